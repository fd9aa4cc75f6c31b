"""The overview: what support staff look at first.

Events by state and source over the last hour and day (from the timeline; past
``SAMPLE_CAP`` events in a day the figures are marked as a sample of the newest), dead
letters by reason (the facet counts), circuit states, queue depth, the oldest pending age,
and running bulk requeue jobs.
"""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

from shared.eventstore import STATES

SAMPLE_CAP = 50_000
CHUNK = 1000


def overview(state, now: float | None = None) -> dict[str, Any]:
    now = time.time() if now is None else now
    letters, client, keys = state.letters, state.redis, state.keys
    counts = letters.events.counts()
    hour, day, sampled = _recent(client, keys, now)
    return {
        "counts": {s: counts[s] for s in STATES}, "accepted": counts["accepted"],
        "adds_up": sum(counts[s] for s in STATES) == counts["accepted"],
        "purged": int(client.hget(keys.counts, "purged") or 0),
        "imported": int(client.hget(keys.counts, "imported") or 0),
        "last_hour": hour, "last_day": day, "sampled": sampled,
        "dead_by": letters.reasons(),
        "circuits": _circuits(state),
        "queue_depth": client.llen(state.config.worker.queue),
        "oldest_pending_age_s": letters.events.oldest_pending_age_s(),
        "jobs": [j for j in state.jobs.list(10) if j["state"] == "running"],
    }


def _recent(client, keys, now: float) -> tuple[dict, dict, bool]:
    """{source: {state: n}} for the last hour and the last day."""
    hour: dict[str, Counter] = {}
    day: dict[str, Counter] = {}
    ids = client.zrevrangebyscore(keys.timeline, now, now - 86400, start=0, num=SAMPLE_CAP,
                                  withscores=True)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        pipe = client.pipeline(transaction=False)
        for member, _ in chunk:
            pipe.hmget(keys.event(member.decode()), ("state", "source"))
        for (_, score), (st, source) in zip(chunk, pipe.execute()):
            if st is None:
                continue
            src = source.decode()
            day.setdefault(src, Counter())[st.decode()] += 1
            if score >= now - 3600:
                hour.setdefault(src, Counter())[st.decode()] += 1
    return ({k: dict(v) for k, v in sorted(hour.items())},
            {k: dict(v) for k, v in sorted(day.items())}, len(ids) >= SAMPLE_CAP)


def _circuits(state) -> dict[str, dict[str, str]]:
    """Each FileMaker server's circuit hash (closed when nothing is recorded)."""
    out = {}
    for name, server in state.config.filemaker.items():
        raw = state.redis.hgetall(state.keys.fm_circuit(name))
        fields = {k.decode(): v.decode() for k, v in raw.items()}
        out[name] = {"database": server.database, "state": fields.pop("state", "closed"),
                     **fields}
    return out
