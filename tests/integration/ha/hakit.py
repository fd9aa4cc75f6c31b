"""The HA suite's tools: a pipeline with extra ``[redis]`` keys and named ingresses, a
sender thread that records every answer, and the ledger check (lost, doubled, stuck)."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import requests

from hookmaker.processes import free_port, spawn, wait_until
from hookmaker.testing import Pipeline, _ok
from shared.config import load
from shared.eventstore import FINAL_STATES, EventStore
from shared.keys import Keys
from shared.redisconn import connect


class HAPipeline(Pipeline):
    """A :class:`Pipeline` whose ``[redis]`` table takes extra keys (``wait_replicas``...)
    and which can run several ingresses side by side, each on a port of its own."""

    def __init__(self, workdir: Path, *, redis_url: str, filemaker_url: str,
                 redis_extra: dict[str, Any] | None = None, **settings: Any) -> None:
        super().__init__(workdir, redis_url=redis_url, filemaker_url=filemaker_url, **settings)
        if redis_extra:
            lines = "".join(f"{k} = {json.dumps(v)}\n" for k, v in redis_extra.items())
            text = self.config_path.read_text().replace("[redis]\n", "[redis]\n" + lines, 1)
            self.config_path.write_text(text)
            self.redis.close()
            self.config = load(self.config_path, {})
            self.redis = connect(self.config.redis)
            self.store = EventStore(self.redis, Keys(self.config.redis.prefix),
                                    retention_s=self.config.worker.retention_s)
        self.ingress_urls: dict[str, str] = {}

    def start_named_ingress(self, name: str, *, port: int = 0, workers: int = 2,
                            threads: int = 4) -> str:
        """Start (or restart, on ``port``) the ingress ``name``; returns its base URL."""
        port = port or free_port()
        log = self.workdir / f"{name}.log"
        proc = spawn(self._cli("ingress", "--bind", f"127.0.0.1:{port}", "--workers",
                               str(workers), "--threads", str(threads)), log=log)
        self.processes[name] = proc
        url = f"http://127.0.0.1:{port}"
        wait_until(lambda: _ok(url + "/readyz"), timeout_s=30, what=name, proc=proc, log=log)
        self.ingress_urls[name] = url
        self.ingress_url = self.ingress_url or url
        return url


def payload(key: str) -> dict[str, Any]:
    """A Stripe-like event that lands in the Inbox; ``key`` is its Stripe id (dedupe key)."""
    return {"id": key, "type": "charge.succeeded", "created": 1764763200,
            "data": {"object": {"id": f"ch_{key}"}}}


@dataclass
class Answer:
    key: str
    status: int | None          # None: no HTTP answer (connection refused or reset)
    event_id: str | None
    elapsed_s: float
    url: str


@dataclass(eq=False)                 # a Thread must stay hashable
class Sender(threading.Thread):
    """Sends ``keys`` one after the other, each until a 2xx (a real sender's retries: up
    to ``tries`` times, ``retry_s`` apart), to the ingresses ``urls()`` names, round-robin;
    a URL that does not answer is skipped like a load balancer would. Without ``keys``
    it sends fresh keys until :meth:`finish`."""

    pipeline: Pipeline
    urls: Any                               # () -> list[str]
    prefix: str = "evt"
    keys: list[str] | None = None
    interval_s: float = 0.02
    tries: int = 100
    retry_s: float = 0.1
    timeout_s: float = 10.0
    answers: list[Answer] = field(default_factory=list)
    acked: dict[str, str] = field(default_factory=dict)   # key -> event id, on a 2xx
    sent: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        threading.Thread.__init__(self, name=f"sender-{self.prefix}", daemon=True)
        self._finish = threading.Event()
        from ingress.sources import prepare  # noqa: PLC0415
        self._stripe = prepare(self.pipeline.config)["stripe"]
        self._turn = 0

    def finish(self, timeout_s: float = 60) -> None:
        """Stop after the key being sent now (its retries included) and wait."""
        self._finish.set()
        self.join(timeout_s)
        assert not self.is_alive(), "the sender hung"

    def _keys(self) -> Iterator[str]:
        if self.keys is not None:
            yield from self.keys
            return
        n = 0
        while not self._finish.is_set():
            n += 1
            yield f"{self.prefix}_{n:05d}"

    def run(self) -> None:
        session = requests.Session()
        for key in self._keys():
            self.sent.append(key)
            self._deliver(session, key)
            time.sleep(self.interval_s)
        session.close()

    def _deliver(self, session: requests.Session, key: str) -> None:
        body = json.dumps(payload(key)).encode()
        for _ in range(self.tries):
            urls = self.urls()
            url = urls[self._turn % len(urls)]
            self._turn += 1
            answer = self._post(session, url, body, key)
            self.answers.append(answer)
            if answer.status is not None and 200 <= answer.status < 300:
                self.acked[key] = answer.event_id or ""
                return
            time.sleep(self.retry_s)

    def _post(self, session: requests.Session, url: str, body: bytes, key: str) -> Answer:
        target = f"{url}/hooks/stripe"
        headers = {"Content-Type": "application/json",
                   **self._stripe.verifier.sign(body, self._stripe.secrets[0], time.time(),
                                                self._stripe.options, url=target)}
        started = time.monotonic()
        try:
            reply = session.post(target, data=body, headers=headers, timeout=self.timeout_s)
        except requests.RequestException:
            return Answer(key, None, None, time.monotonic() - started, url)
        event_id = reply.json().get("id") if reply.status_code in (200, 202) else None
        return Answer(key, reply.status_code, event_id, time.monotonic() - started, url)


@dataclass(frozen=True)
class Ledger:
    """What became of every acknowledged (2xx) event."""

    acked: int
    delivered: int
    lost: list[str]            # acknowledged, but neither in FileMaker nor in the store
    stuck: list[str]           # acknowledged, in the store, not final
    doubled: list[str]         # sender keys with more than one FileMaker record
    records: int

    def line(self) -> str:
        return (f"acked={self.acked} delivered={self.delivered} lost={len(self.lost)} "
                f"stuck={len(self.stuck)} doubled={len(self.doubled)} records={self.records}")


def ledger(pipeline: Pipeline, emulator: Any, sender: Sender) -> Ledger:
    """Compare the sender's 2xx answers with FileMaker's Inbox and the event store."""
    records = [r["fieldData"] for r in emulator.records("Hookmaker", "Inbox")]
    by_id = Counter(r["EventId"] for r in records)
    by_key = Counter(json.loads(r["Payload"])["id"] for r in records)
    lost, stuck, delivered = [], [], 0
    for key, event_id in sender.acked.items():
        if by_key[key] or by_id[event_id]:
            delivered += 1
            continue
        record = pipeline.store.get(event_id)
        if record is None:
            lost.append(key)
        elif record.state not in FINAL_STATES:
            stuck.append(key)
    return Ledger(acked=len(sender.acked), delivered=delivered, lost=lost, stuck=stuck,
                  doubled=sorted(k for k, n in by_key.items() if n > 1), records=len(records))


def statuses(sender: Sender) -> Counter:
    return Counter(a.status for a in sender.answers)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0
