"""Stage 2, ratelimit: FileMaker is protected by one budget shared by every worker.

Two gates, both in Redis on Redis's clock, so every worker on every machine shares them:

- the server's **circuit** (``shared/circuit.py``): while FileMaker is down or halted,
  deliveries wait without spending attempts;
- the server's **budget**: a rate (requests per second, evenly spaced) and a cap on requests
  in flight. A delivery takes as many requests as it will make (an upsert two, a re-check
  for an earlier push one more). Without a free slot a worker never waits long: a short
  wait is slept holding nothing; a longer one reschedules the event for when a slot frees.

One round trip passes both while the circuit is closed: the budget script looks at the
circuit first. Only a circuit that is not closed is asked itself (it picks the probe).

It runs before dedupe because dedupe may itself ask FileMaker.
"""

from __future__ import annotations

import secrets
import time
from importlib import resources
from dataclasses import dataclass
from typing import TYPE_CHECKING

from shared.circuit import Verdict
from shared.errors import Throttled
from workers.context import Delivery

if TYPE_CHECKING:
    from workers.runtime import Runtime

MAX_SLEEP_S = 0.25          # waits up to this are slept (holding no slot); longer reschedule
SLEEP_TRIES = 8


@dataclass(frozen=True)
class Grant:
    """What :meth:`Budget.take` answered."""

    slot: str | None             # the slot taken, or None
    wait_s: float = 0.0          # without a slot: when to look again
    circuit_failures: int = 0    # the closed circuit's consecutive failures
    ask_circuit: bool = False    # the circuit is not closed: nothing taken, ask it


class Budget:
    """The shared request budget of one FileMaker server."""

    def __init__(self, runtime: Runtime, server: str) -> None:
        cfg = runtime.config.filemaker[server]
        self.redis = runtime.redis
        self.keys = (runtime.keys.fm_rate(server), runtime.keys.fm_in_flight(server))
        self.circuit_key = runtime.keys.fm_circuit(server)
        self.interval_ms = max(1, round(1000 / cfg.rate_per_s))
        self.max_in_flight = cfg.max_in_flight
        self.slot_ttl_ms = int((cfg.read_timeout_s + cfg.connect_timeout_s) * 1000) + 5000
        self._take = self.redis.register_script(
            resources.files("shared.lua").joinpath("budget.lua").read_text())

    def take(self, cost: int = 1, *, look_at_circuit: bool = True) -> Grant:
        """Take ``cost`` requests and one in-flight slot, if the budget has them now.

        With ``look_at_circuit``, a circuit that is not closed takes precedence: nothing is
        taken and the answer says to ask the circuit.
        """
        slot = secrets.token_hex(6)
        granted, wait_ms, failures = self._take(
            keys=[*self.keys, self.circuit_key if look_at_circuit else ""],
            args=[self.interval_ms, self.max_in_flight, slot, self.slot_ttl_ms, cost])
        if wait_ms < 0:
            return Grant(None, ask_circuit=True)
        if not granted:
            return Grant(None, wait_s=wait_ms / 1000, circuit_failures=int(failures))
        return Grant(slot, circuit_failures=int(failures))

    def give_back(self, slot: str) -> None:
        self.redis.zrem(self.keys[1], slot)


def run(delivery: Delivery, runtime: Runtime) -> None:
    """Pass the circuit, then take a budget slot; the pipeline gives it back afterwards.

    Raises:
        Throttled: the circuit is open or halted, or no slot is free soon; ``delay_s`` says
            when to look again. It spends none of the event's attempts.
    """
    server = delivery.route.filemaker
    if runtime.config.worker.broken("no-budget"):
        _pass_circuit(delivery, runtime, server)
        return
    budget = runtime.budget(server)
    cost = _cost(delivery)
    wait_s = 0.0
    for _ in range(SLEEP_TRIES):
        grant = budget.take(cost, look_at_circuit="circuit" not in delivery.notes)
        if grant.ask_circuit:
            _pass_circuit(delivery, runtime, server)
            continue
        if grant.slot is not None:
            delivery.notes.setdefault("circuit", Verdict("closed", 0.0, probe=False,
                                                         failures=grant.circuit_failures))
            delivery.cleanups.append(lambda: budget.give_back(grant.slot))
            return
        wait_s = grant.wait_s
        if wait_s > MAX_SLEEP_S:
            break
        time.sleep(wait_s)
    raise Throttled("waiting for the FileMaker budget", delay_s=wait_s)


def _pass_circuit(delivery: Delivery, runtime: Runtime, server: str) -> None:
    """Ask the circuit itself; its verdict (a probe?) is kept for settle.

    Raises:
        Throttled: the circuit is open or halted.
    """
    verdict = runtime.circuit(server).check()
    if not verdict.go:
        raise Throttled(f"FileMaker {server} circuit is {verdict.state}",
                        delay_s=max(verdict.wait_s, 0.05))
    delivery.notes["circuit"] = verdict


def _cost(delivery: Delivery) -> int:
    """How many Data API requests this delivery will make."""
    record = delivery.record
    recheck = 1 if (record.history or record.lost) else 0
    return (2 if delivery.route.action == "upsert" else 1) + recheck
