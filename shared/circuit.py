"""The circuit of each FileMaker server, shared in Redis by every worker on every machine.

Consecutive ``Unavailable`` outcomes (refused, timeouts, 502/503/504, 802, 812, a push
slower than ``slow_s``) open it; while it is open, events wait without spending attempts.
When the cool-down has passed, one worker's delivery is the probe (half-open): success
closes the circuit, failure opens it again for twice as long (up to a cap). ``Halt``
outcomes (bad credentials, data limit, Data API off) halt it until an operator runs
``hookmaker resume SERVER``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from importlib import resources

import redis

from shared.keys import Keys

FAILURE_THRESHOLD = 3
COOL_DOWN_S = 2.0
MAX_COOL_DOWN_S = 60.0
PROBE_LEASE_S = 30.0
SLOW_S = 10.0            # a push slower than this counts against the circuit


@dataclass(frozen=True)
class Verdict:
    state: str
    wait_s: float
    probe: bool
    failures: int = 0

    @property
    def go(self) -> bool:
        return self.state == "closed" or self.probe


class Circuit:
    """One server's circuit."""

    def __init__(self, client: redis.Redis, keys: Keys, server: str) -> None:
        self.server = server
        self.key = keys.fm_circuit(server)
        self._call = client.register_script(
            resources.files("shared.lua").joinpath("circuit.lua").read_text())
        self.redis = client

    def _op(self, op: str, reason: str = "") -> Verdict:
        state, wait_s, probe, *failures = self._call(
            keys=[self.key], args=[op, time.time(), FAILURE_THRESHOLD, COOL_DOWN_S,
                                   MAX_COOL_DOWN_S, PROBE_LEASE_S, reason])
        return Verdict(state.decode(), float(wait_s), bool(probe),
                       int(failures[0]) if failures else 0)

    def check(self) -> Verdict:
        """May a delivery go now? A ``probe`` verdict is this caller's half-open try."""
        return self._op("check")

    def success(self) -> Verdict:
        return self._op("success")

    def failure(self, reason: str) -> Verdict:
        return self._op("failure", reason[:200])

    def halt(self, reason: str) -> Verdict:
        return self._op("halt", reason[:200])

    def resume(self) -> Verdict:
        return self._op("resume")

    def describe(self) -> dict:
        raw = {k.decode(): v.decode() for k, v in self.redis.hgetall(self.key).items()}
        return {"server": self.server, "state": raw.get("state", "closed"),
                "failures": int(raw.get("failures", 0)), "reason": raw.get("reason", ""),
                "retry_at": float(raw.get("retry_at", 0) or 0)}
