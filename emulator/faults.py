"""Fault injection state: latency, injected error codes, record locks, closed files, the
Data API switched off, a byte budget (953), and the one-shot actions (invalidate tokens,
go down, change the session cap) that the app carries out.

JSON accepted by :meth:`FaultState.apply` (every key optional, applied together)::

    {"latency_ms": 200,
     "latency": {"distribution": "uniform", "min_ms": 10, "max_ms": 300}
              | {"distribution": "normal", "mean_ms": 100, "stddev_ms": 30}
              | {"distribution": "exponential", "mean_ms": 100} | {"fixed_ms": 50},
     "degrade_ms_per_request": 5, "degrade_max_ms": 2000,
     "error": {"code": "812", "count": 5 | "fraction": 0.3, "match": "/records",
               "method": "POST", "http_status": 500, "seed": 1},   # or a list of these
     "lock": {"database": "Hookmaker", "table": "Inbox", "record_id": 3},  # or a list
     "file_closed": "Hookmaker" | true | false, "data_api_disabled": true | false,
     "byte_budget": 100000, "invalidate_tokens": true, "down_s": 5, "session_cap": 3}
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from typing import Any

from emulator.errors import FMError

ONE_SHOT = ("invalidate_tokens", "down_s", "session_cap")


@dataclass
class ErrorFault:
    """Answer ``code`` for the next ``remaining`` requests, or a ``fraction`` of them."""

    code: str
    remaining: int | None = None
    fraction: float | None = None
    match: str | None = None
    method: str | None = None
    http_status: int | None = None
    rng: random.Random = field(default_factory=random.Random)

    def applies(self, method: str, path: str) -> bool:
        """Whether this fault fires for the request (consumes one of ``remaining``)."""
        if self.match and self.match not in path:
            return False
        if self.method and self.method.upper() != method.upper():
            return False
        if self.remaining is not None:
            if self.remaining <= 0:
                return False
            self.remaining -= 1
            return True
        return self.fraction is None or self.rng.random() < self.fraction


def parse_error(spec: Any) -> ErrorFault:
    """An ErrorFault from its JSON.

    Raises:
        ValueError: a missing code or a bad count/fraction, naming the key.
    """
    if not isinstance(spec, dict) or "code" not in spec:
        raise ValueError("error.code: required")
    count, fraction = spec.get("count"), spec.get("fraction")
    if count is not None and (not isinstance(count, int) or count < 1):
        raise ValueError("error.count: must be an integer >= 1")
    if fraction is not None and not 0 < float(fraction) <= 1:
        raise ValueError("error.fraction: must be in (0, 1]")
    return ErrorFault(str(spec["code"]), count, None if fraction is None else float(fraction),
                      spec.get("match"), spec.get("method"), spec.get("http_status"),
                      random.Random(spec.get("seed")))


def parse_latency(spec: Any) -> dict[str, Any]:
    """Validate a latency spec.

    Raises:
        ValueError: an unknown distribution or missing parameter, naming the key.
    """
    if not isinstance(spec, dict):
        raise ValueError("latency: must be an object")
    needs = {None: ["fixed_ms"], "fixed": ["fixed_ms"], "uniform": ["min_ms", "max_ms"],
             "normal": ["mean_ms", "stddev_ms"], "exponential": ["mean_ms"]}
    dist = spec.get("distribution")
    if dist not in needs:
        raise ValueError(f"latency.distribution: unknown {dist!r}")
    for key in needs[dist]:
        if not isinstance(spec.get(key), (int, float)) or spec[key] < 0:
            raise ValueError(f"latency.{key}: a number >= 0 is required")
    return dict(spec)


class FaultState:
    """All active faults; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rng = random.Random()
        self.clear()

    def clear(self) -> None:
        """Remove every fault."""
        with getattr(self, "_lock", threading.Lock()):
            self.latency: dict[str, Any] | None = None
            self.degrade_ms, self.degrade_max_ms, self.degrade_n = 0.0, None, 0
            self.errors: list[ErrorFault] = []
            self.locks: set[tuple[str, str, int | None]] = set()
            self.closed: set[str] = set()
            self.all_closed = False
            self.disabled = False
            self.byte_budget: int | None = None
            self.bytes_sent = 0

    def apply(self, spec: dict[str, Any]) -> dict[str, Any]:
        """Add the faults in ``spec``; returns the one-shot actions for the caller.

        Raises:
            ValueError: a bad key or value, naming it.
        """
        known = {"latency_ms", "latency", "degrade_ms_per_request", "degrade_max_ms", "error",
                 "lock", "file_closed", "data_api_disabled", "byte_budget", *ONE_SHOT}
        unknown = set(spec) - known
        if unknown:
            raise ValueError(f"{sorted(unknown)[0]}: unknown fault (known: {', '.join(sorted(known))})")
        latency = None
        if "latency_ms" in spec:
            latency = parse_latency({"fixed_ms": spec["latency_ms"]})
        if "latency" in spec:
            latency = parse_latency(spec["latency"])
        errors = [parse_error(e) for e in _as_list(spec.get("error"))]
        locks = [_parse_lock(lock) for lock in _as_list(spec.get("lock"))]
        with self._lock:
            self.latency = latency if latency is not None else self.latency
            if "degrade_ms_per_request" in spec:
                self.degrade_ms, self.degrade_n = float(spec["degrade_ms_per_request"]), 0
                self.degrade_max_ms = spec.get("degrade_max_ms")
            self.errors.extend(errors)
            self.locks.update(locks)
            self._apply_flags(spec)
        return {k: spec[k] for k in ONE_SHOT if k in spec}

    def _apply_flags(self, spec: dict[str, Any]) -> None:
        closed = spec.get("file_closed")
        if closed is True:
            self.all_closed = True
        elif closed is False:
            self.all_closed, self.closed = False, set()
        elif isinstance(closed, str):
            self.closed.add(closed.lower())
        if "data_api_disabled" in spec:
            self.disabled = bool(spec["data_api_disabled"])
        if "byte_budget" in spec:
            self.byte_budget, self.bytes_sent = spec["byte_budget"], 0

    def delay_s(self) -> float:
        """How long the next Data API request should wait, in seconds."""
        with self._lock:
            extra = self.degrade_ms * self.degrade_n
            self.degrade_n += 1 if self.degrade_ms else 0
            if self.degrade_max_ms is not None:
                extra = min(extra, float(self.degrade_max_ms))
            return (_sample(self.latency, self._rng) + extra) / 1000.0

    def injected_error(self, method: str, path: str) -> FMError | None:
        """The injected error for this request, if one fires."""
        with self._lock:
            for fault in self.errors:
                if fault.applies(method, path):
                    return FMError(fault.code, http_status=fault.http_status)
            self.errors = [e for e in self.errors if e.remaining is None or e.remaining > 0]
        return None

    def is_locked(self, database: str, table: str, record_id: int) -> bool:
        """Whether a record is held by "another user"."""
        with self._lock:
            db = database.lower()
            return (db, table, record_id) in self.locks or (db, table, None) in self.locks

    def is_closed(self, database: str) -> bool:
        """Whether the file is closed (802)."""
        with self._lock:
            return self.all_closed or database.lower() in self.closed

    def count_bytes(self, n: int) -> None:
        """Count response bytes against the budget."""
        with self._lock:
            self.bytes_sent += n

    def over_budget(self) -> bool:
        """Whether the byte budget is spent (953)."""
        with self._lock:
            return self.byte_budget is not None and self.bytes_sent >= self.byte_budget

    def snapshot(self) -> dict[str, Any]:
        """The active faults as JSON."""
        with self._lock:
            return {"latency": self.latency, "degrade_ms_per_request": self.degrade_ms,
                    "errors": [{"code": e.code, "remaining": e.remaining, "fraction": e.fraction,
                                "match": e.match, "method": e.method} for e in self.errors],
                    "locks": [{"database": d, "table": t, "record_id": r}
                              for d, t, r in sorted(self.locks, key=str)],
                    "file_closed": True if self.all_closed else sorted(self.closed),
                    "data_api_disabled": self.disabled, "byte_budget": self.byte_budget,
                    "bytes_sent": self.bytes_sent}


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _parse_lock(spec: Any) -> tuple[str, str, int | None]:
    if not isinstance(spec, dict) or not spec.get("database") or not spec.get("table"):
        raise ValueError("lock: needs database and table (and record_id, else every record)")
    rid = spec.get("record_id")
    return (str(spec["database"]).lower(), str(spec["table"]), None if rid is None else int(rid))


def _sample(latency: dict[str, Any] | None, rng: random.Random) -> float:
    if not latency:
        return 0.0
    dist = latency.get("distribution")
    if dist == "uniform":
        return rng.uniform(latency["min_ms"], latency["max_ms"])
    if dist == "normal":
        return max(0.0, rng.gauss(latency["mean_ms"], latency["stddev_ms"]))
    if dist == "exponential":
        return rng.expovariate(1 / latency["mean_ms"]) if latency["mean_ms"] else 0.0
    return float(latency["fixed_ms"])
