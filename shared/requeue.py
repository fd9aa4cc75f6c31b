"""Bulk requeue jobs: everything matching a filter goes back, paced, and can be cancelled.

A job snapshots the matching letter ids when it starts (what the dry run showed is what
goes; letters that die again meanwhile are not picked up twice) and keeps them in Redis with
its filter, who started it, its rate and its progress. Every reconcile round on every worker
host calls :func:`step`, which advances each running job by what its rate allows since the
last step (``dlq_job_step.lua``: a token bucket in the job hash, so many reconcilers, and a
CLI running the job in the foreground, share one pace). The letters then go through the
worker like any event: the FileMaker budget applies, and the dedupe stage asks FileMaker
before writing, so a requeued letter never writes twice.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any, Callable

from shared.adminconfig import DlqSettings, dlq_settings
from shared.deadletters import POKE_GRACE_S, DeadLetters, history_entry, lua
from shared.envelope import new_ulid
from shared.search import Filter

log = logging.getLogger("hookmaker.requeue")

TRIM_EVERY_S = 60
SNAPSHOT_CHUNK = 1000


class RequeueJobs:
    def __init__(self, letters: DeadLetters, settings: DlqSettings) -> None:
        self.letters = letters
        self.redis = letters.redis
        self.keys = letters.keys
        self.settings = settings
        self._step = lua(self.redis, "dlq_job_step.lua")
        self._cancel = lua(self.redis, "dlq_job_cancel.lua", with_lib=False)

    def preview(self, flt: Filter, *, sample: int = 20) -> dict[str, Any]:
        """The dry run: how many would go, the first few, and how long it would take."""
        count = self.letters.count(flt)
        rows = self.letters.list(flt, limit=sample).rows if count else []
        rate = self.settings.requeue_rate_per_s
        return {"count": count, "sample": rows, "rate_per_s": rate,
                "eta_s": round(count / rate, 1), "filter": flt.to_params()}

    def start(self, flt: Filter, who: str, *, rate_per_s: float | None = None) -> dict[str, Any]:
        """Snapshot the letters matching ``flt`` and start a paced job; returns the job."""
        ids = list(self.letters.ids(flt))
        job_id, now = new_ulid(), time.time()
        rate = rate_per_s or self.settings.requeue_rate_per_s
        state = "running" if ids else "finished"
        pipe = self.redis.pipeline(transaction=True)
        pipe.hset(self.keys.dlq_job(job_id), mapping={
            "id": job_id, "who": who, "filter": json.dumps(flt.to_params(), sort_keys=True),
            "state": state, "total": len(ids), "done": 0, "requeued": 0,
            "rate_per_s": rate, "created_at": now, "stepped_at": now,
            "credit": min(rate, self.settings.requeue_max_step)})
        for start in range(0, len(ids), SNAPSHOT_CHUNK):
            pipe.rpush(self.keys.dlq_job_ids(job_id), *ids[start:start + SNAPSHOT_CHUNK])
        pipe.zadd(self.keys.dlq_jobs, {job_id: now})
        if ids:
            pipe.sadd(self.keys.dlq_jobs_running, job_id)
        pipe.execute()
        self.letters.audit.record(who, "requeue-job", ids=ids, filter=flt.to_params(),
                                  detail=f"job {job_id}: {len(ids)} letters at {rate:g}/s")
        return self.get(job_id)

    def step(self, job_id: str, wakeups=None) -> tuple[str, list[str]]:
        """Requeue the job's next letters, as many as its pace allows now; publish their
        wake-ups (best effort: the reconciler wakes any whose wake-up is lost)."""
        who = (self.redis.hget(self.keys.dlq_job(job_id), "who") or b"?").decode()
        now = time.time()
        raw = self._step(
            keys=self.letters.head_keys + [self.keys.dlq_job(job_id),
                                            self.keys.dlq_job_ids(job_id),
                                            self.keys.dlq_jobs_running],
            args=self.letters.head_args + [
                now, now + POKE_GRACE_S,
                history_entry("requeued", f"requeued by {who} (bulk job {job_id})", now),
                self.settings.requeue_max_step, job_id])
        state, ids = raw[0].decode(), [r.decode() for r in raw[1:]]
        if ids and wakeups is not None:
            publish_wakeups(wakeups, ids)
        if state == "finished":
            job = self.get(job_id) or {}
            self.letters.audit.record(who, "requeue-job-finished", count=job.get("requeued", 0),
                                      detail=f"job {job_id}")
        return state, ids

    def step_all(self, wakeups=None) -> int:
        """Step every running job once; returns how many letters were requeued."""
        total = 0
        for job_id in self.redis.smembers(self.keys.dlq_jobs_running):
            total += len(self.step(job_id.decode(), wakeups)[1])
        return total

    def run(self, job_id: str, wakeups=None, *,
            progress: Callable[[dict[str, Any]], None] = lambda job: None,
            sleep: Callable[[float], None] = time.sleep) -> dict[str, Any]:
        """Step one job in the foreground, at its pace, until it is over (the CLI)."""
        while True:
            state, _ = self.step(job_id, wakeups)
            job = self.get(job_id) or {"state": "missing"}
            progress(job)
            if state != "running":
                return job
            sleep(max(0.1, min(1.0, 1.0 / float(job["rate_per_s"]))))

    def cancel(self, job_id: str, who: str) -> str:
        """Stop a running job; returns its state (cancelled, or the one it already had)."""
        changed, state = self._cancel(
            keys=[self.keys.dlq_job(job_id), self.keys.dlq_job_ids(job_id),
                  self.keys.dlq_jobs_running], args=[job_id, time.time(), who])
        state = state.decode()
        if changed:
            self.letters.audit.record(who, "requeue-job-cancelled", detail=f"job {job_id}")
        return state

    def get(self, job_id: str) -> dict[str, Any] | None:
        raw = self.redis.hgetall(self.keys.dlq_job(job_id))
        if not raw:
            return None
        f = {k.decode(): v.decode() for k, v in raw.items()}
        return {"id": f["id"], "who": f["who"], "filter": json.loads(f["filter"]),
                "state": f["state"], "total": int(f["total"]), "done": int(f["done"]),
                "requeued": int(f["requeued"]), "rate_per_s": float(f["rate_per_s"]),
                "created_at": float(f["created_at"]),
                "finished_at": float(f["finished_at"]) if f.get("finished_at") else None,
                "cancelled_by": f.get("cancelled_by")}

    def list(self, limit: int = 20) -> list[dict[str, Any]]:
        ids = self.redis.zrevrange(self.keys.dlq_jobs, 0, limit - 1)
        return [job for job in (self.get(i.decode()) for i in ids) if job]


def publish_wakeups(wakeups, ids: list[str]) -> None:
    try:
        wakeups.publish_many(ids)
    except Exception:        # noqa: BLE001 - best effort: the reconciler wakes them
        log.warning("could not publish %d wake-ups; the reconciler will", len(ids),
                    exc_info=True)


_per_runtime: dict[int, tuple[object, RequeueJobs]] = {}


def step(runtime) -> int:
    """The reconciler's hook: advance running bulk requeue jobs, apply DLQ retention once a
    minute (across all hosts). Never raises: the reconciler's own work comes first."""
    try:
        held = _per_runtime.get(id(runtime))
        if held is None or held[0] is not runtime:
            settings = dlq_settings(runtime.config)
            letters = DeadLetters(runtime.redis, runtime.keys, settings=settings,
                                  retention_s=runtime.config.worker.retention_s)
            held = _per_runtime[id(runtime)] = (runtime, RequeueJobs(letters, settings))
        jobs = held[1]
        requeued = jobs.step_all(runtime.wakeups)
        if runtime.redis.set(runtime.keys.dlq_trim_lock, "1", nx=True, ex=TRIM_EVERY_S):
            trimmed = jobs.letters.trim()
            if trimmed:
                log.info("retention: %d dead letters deleted", trimmed)
        return requeued
    except Exception:        # noqa: BLE001 - Redis away or a bad [admin.dlq]: next round
        log.warning("bulk requeue / DLQ retention step failed", exc_info=True)
        return 0
