"""What the event store says right now: counts by state, backlog, queue depth, circuits.

One reading, used by ``hookmaker stats``, the metrics scrape and the admin console.
"""

from __future__ import annotations

from typing import Any

from shared.circuit import Circuit
from shared.config import Config
from shared.eventstore import STATES, EventStore


def snapshot(store: EventStore, config: Config) -> dict[str, Any]:
    """Counts by state (they add up to ``accepted``), backlog age, queue depth, circuits."""
    counts = store.counts()
    return {"states": {s: counts[s] for s in STATES}, "accepted": counts["accepted"],
            "adds_up": sum(counts[s] for s in STATES) == counts["accepted"],
            "duplicates_at_ingress": counts["duplicates_at_ingress"],
            "oldest_pending_age_s": store.oldest_pending_age_s(),
            "queue_depth": store.redis.llen(config.worker.queue),
            "circuits": [Circuit(store.redis, store.keys, name).describe()
                         for name in config.filemaker]}
