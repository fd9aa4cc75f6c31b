"""Stage 2, ratelimit: FileMaker is protected by one budget shared by every worker.

Two gates, both in Redis on Redis's clock, so every worker on every machine shares them:

- the server's **circuit** (``shared/circuit.py``): while FileMaker is down or halted,
  deliveries wait without spending attempts;
- the server's **budget**: a rate (requests per second, evenly spaced) and a cap on requests
  in flight. A delivery takes as many requests as it will make (an upsert two, a re-check
  for an earlier push one more). Without a free slot a worker never waits long: a short
  wait is slept holding nothing; a longer one reschedules the event for when a slot frees.

It runs before dedupe because dedupe may itself ask FileMaker.
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

    def take(self, cost: int = 1) -> tuple[str | None, float]:
        """Returns (slot id, 0) when granted, else (None, seconds to wait)."""
        slot = secrets.token_hex(6)
        granted, wait_ms = self._take(keys=list(self.keys),
                                      args=[self.interval_ms, self.max_in_flight, slot,
                                            self.slot_ttl_ms, cost])
        return (slot, 0.0) if granted else (None, wait_ms / 1000)

    def give_back(self, slot: str) -> None:
        self.redis.zrem(self.keys[1], slot)


def run(delivery: Delivery, runtime: Runtime) -> None:
    """Pass the circuit, then take a budget slot; the pipeline gives it back afterwards.

    Raises:
        Throttled: the circuit is open or halted, or no slot is free soon; ``delay_s`` says
            when to look again. It spends none of the event's attempts.
    """
    server = delivery.route.filemaker
    verdict = runtime.circuit(server).check()
    if not verdict.go:
        raise Throttled(f"FileMaker {server} circuit is {verdict.state}",
                        delay_s=max(verdict.wait_s, 0.05))
    delivery.notes["circuit"] = verdict
    if runtime.config.worker.broken("no-budget"):
        return
    budget = runtime.budget(server)
    cost = _cost(delivery)
    wait_s = 0.0
    for _ in range(SLEEP_TRIES):
        slot, wait_s = budget.take(cost)
        if slot is not None:
            delivery.cleanups.append(lambda: budget.give_back(slot))
            return
        if wait_s > MAX_SLEEP_S:
            break
        time.sleep(wait_s)
    raise Throttled("waiting for the FileMaker budget", delay_s=wait_s)


def _cost(delivery: Delivery) -> int:
    """How many Data API requests this delivery will make."""
    record = delivery.record
    recheck = 1 if (record.history or record.lost) else 0
    return (2 if delivery.route.action == "upsert" else 1) + recheck
