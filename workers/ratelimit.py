"""Stage 3, ratelimit: one FileMaker budget shared by every worker on every machine.

Each server has a rate (requests per second, evenly spaced) and a cap on requests in
flight, both kept in Redis on Redis's clock. Without a free slot the worker never waits
long: a short wait is slept without holding anything; a longer one reschedules the event
for when a slot will be free, without spending one of its attempts.
"""

from __future__ import annotations

import secrets
import time
from importlib import resources

from typing import TYPE_CHECKING

from shared.errors import Throttled
from workers.context import Delivery

if TYPE_CHECKING:
    from workers.runtime import Runtime

MAX_SLEEP_S = 0.25          # waits up to this are slept (holding no slot); longer reschedule
SLEEP_TRIES = 8


class Budget:
    """The shared request budget of one FileMaker server."""

    def __init__(self, runtime: Runtime, server: str) -> None:
        cfg = runtime.config.filemaker[server]
        self.redis = runtime.redis
        self.keys = (runtime.keys.fm_rate(server), runtime.keys.fm_in_flight(server))
        self.interval_ms = max(1, round(1000 / cfg.rate_per_s))
        self.max_in_flight = cfg.max_in_flight
        self.slot_ttl_ms = int((cfg.read_timeout_s + cfg.connect_timeout_s) * 1000) + 5000
        self._take = self.redis.register_script(
            resources.files("shared.lua").joinpath("budget.lua").read_text())

    def take(self) -> tuple[str | None, float]:
        """Returns (slot id, 0) when granted, else (None, seconds to wait)."""
        slot = secrets.token_hex(6)
        granted, wait_ms = self._take(keys=list(self.keys),
                                      args=[self.interval_ms, self.max_in_flight, slot,
                                            self.slot_ttl_ms])
        return (slot, 0.0) if granted else (None, wait_ms / 1000)

    def give_back(self, slot: str) -> None:
        self.redis.zrem(self.keys[1], slot)


def run(delivery: Delivery, runtime: Runtime) -> None:
    """Take a slot; the pipeline gives it back when the push is over.

    Raises:
        Throttled: no slot soon; ``delay_s`` is when one should be free. It does not
            count against the event's attempts.
    """
    budget = runtime.budget(delivery.route.filemaker)
    for _ in range(SLEEP_TRIES):
        slot, wait_s = budget.take()
        if slot is not None:
            delivery.cleanups.append(lambda: budget.give_back(slot))
            return
        if wait_s > MAX_SLEEP_S:
            break
        time.sleep(wait_s)
    raise Throttled("waiting for the FileMaker budget", delay_s=wait_s)
