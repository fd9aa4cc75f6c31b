"""The event store (the inbox): the source of truth for every accepted event.

States: received → in_progress → delivered | duplicate | ignored | dead, with
in_progress → scheduled → in_progress for retries and waits. Every change is one Lua script,
and the per-state counts change in the same step, so they always add up to ``accepted``.
Celery messages only carry an event id: they are wake-ups, and a lost or doubled one is
harmless (see :meth:`EventStore.claim` and :meth:`EventStore.overdue`).
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import asdict, dataclass
from importlib import resources
from typing import Any, Sequence

import redis

from shared.envelope import Attempt, Envelope
from shared.keys import Keys


STATES = ("received", "in_progress", "scheduled", "delivered", "duplicate", "ignored", "dead")
FINAL_STATES = ("delivered", "duplicate", "ignored", "dead")
MAX_LOST = 5     # leases that ran out (workers died on the event) before it is poison


def _script(client: redis.Redis, name: str):
    return client.register_script(resources.files("shared.lua").joinpath(name).read_text())


@dataclass(frozen=True)
class Claim:
    """The result of trying to take an event. ``token`` is set only when it was taken."""

    status: str                 # claimed | done | busy | early | missing
    detail: str = ""
    token: str = ""
    record: EventRecord | None = None       # the event as claimed (only when claimed)

    @property
    def poison(self) -> bool:
        return self.status == "claimed" and self.detail.startswith("poison:")


@dataclass(frozen=True)
class EventRecord:
    """One stored event as support staff see it."""

    envelope: Envelope
    state: str
    attempts: int
    lost: int
    due_at: float
    updated_at: float
    history: tuple[Attempt, ...]
    fields: dict[str, str]


def _record(raw: dict[bytes, bytes]) -> EventRecord:
    """An event hash as read from Redis (HGETALL) as an :class:`EventRecord`."""
    fields = {k.decode(): v.decode() for k, v in raw.items()}
    history = tuple(Attempt.from_dict(a) for a in json.loads(fields.get("history", "[]")))
    return EventRecord(
        envelope=Envelope.from_json(fields["envelope"]), state=fields["state"],
        attempts=int(fields.get("attempts", 0)), lost=int(fields.get("lost", 0)),
        due_at=float(fields.get("due_at", 0)), updated_at=float(fields.get("updated_at", 0)),
        history=history, fields=fields)


@dataclass(frozen=True)
class RateLimit:
    """One GCRA limit checked by :meth:`EventStore.accept`: its key, the emission interval
    (one request per ``interval_us``) and the burst tolerance, in microseconds."""

    key: str
    interval_us: int
    tolerance_us: int


class RateLimited(Exception):
    """A rate limit is exhausted; ``retry_after_s`` is when a retry can succeed."""

    def __init__(self, retry_after_s: float) -> None:
        super().__init__(f"rate limited; retry after {retry_after_s:.3f} s")
        self.retry_after_s = retry_after_s


class NotReplicated(redis.RedisError):
    """The primary stored the event but fewer replicas than asked confirmed it in time; the
    write may be lost in a failover, so it must not be acknowledged (the sender retries)."""

    def __init__(self, acked: int, wanted: int, timeout_ms: int) -> None:
        super().__init__(f"{acked} of {wanted} replicas confirmed within {timeout_ms} ms")
        self.acked = acked


@dataclass(frozen=True)
class ReplicaWait:
    """Before acknowledging a write: ``WAIT replicas timeout_ms`` on the same connection
    (``[redis] wait_replicas`` / ``wait_timeout_ms``)."""

    replicas: int
    timeout_ms: int

    @classmethod
    def configured(cls, settings) -> "ReplicaWait | None":
        """From ``RedisSettings``; None when no replica must confirm (the default)."""
        return cls(settings.wait_replicas, settings.wait_timeout_ms) \
            if settings.wait_replicas else None


class EventStore:
    """Verbs over the event store. One instance per process; it is thread-safe."""

    def __init__(self, client: redis.Redis, keys: Keys, *, retention_s: int,
                 replica_wait: ReplicaWait | None = None) -> None:
        self.redis = client
        self.keys = keys
        self.retention_s = retention_s
        self.replica_wait = replica_wait
        self._accept = _script(client, "accept.lua")
        self._claim = _script(client, "claim.lua")
        self._finish = _script(client, "finish.lua")
        self._overdue = _script(client, "overdue.lua")
        self._forget = _script(client, "forget.lua")

    def accept(self, envelope: Envelope, *, poke_after_s: float, wakeup: str = "",
               queue: str = "", limits: Sequence[RateLimit] = ()) -> str | None:
        """Store a new event, in one round trip and one atomic step: check ``limits`` (GCRA),
        check the dedupe key, store, and push ``wakeup`` (a ready-made Celery message) onto
        the list ``queue``. Returns the id of the event that already holds the dedupe key,
        or None when this one was stored.

        When the client asks for replicas (``[redis] wait_replicas``), the same round trip
        also waits until that many replicas have the write (a duplicate answer too: the
        replicas then have the event that holds the key).

        Raises:
            RateLimited: a limit is exhausted; nothing was stored or counted.
            NotReplicated: stored on the primary, but too few replicas confirmed it in time.
            redis.RedisError: Redis did not confirm the write; nothing may be acknowledged.
        """
        dedupe = self.keys.dedupe(envelope.source, envelope.dedupe_key) \
            if envelope.dedupe_key else ""
        keys = [self.keys.event(envelope.id), dedupe, self.keys.due, self.keys.timeline,
                self.keys.counts, self.keys.pending, queue if wakeup else "",
                *[limit.key for limit in limits]]
        args = [envelope.id, envelope.to_json(), envelope.received_at,
                envelope.received_at + poke_after_s, self.retention_s, envelope.source,
                envelope.event_type or "", wakeup if queue else "",
                *[x for limit in limits for x in (limit.interval_us, limit.tolerance_us)]]
        wait = self.replica_wait
        if wait is None:
            status, *detail = self._accept(keys=keys, args=args)
        else:
            status, *detail = self._accept_and_wait(keys, args, wait)
        if status == b"duplicate":
            return detail[0].decode()
        if status == b"limited":
            raise RateLimited(int(detail[0]) / 1e6)
        return None

    def _accept_and_wait(self, keys: list, args: list, wait: ReplicaWait) -> list:
        """EVALSHA then ``WAIT``, pipelined: one round trip on one connection, which is what
        makes WAIT count this write (it waits for the connection's own last write). Not a
        redis-py Script call: in a pipeline that costs a SCRIPT EXISTS round trip each time.
        """
        for _ in range(2):          # a second go only after loading a missing script
            with self.redis.pipeline(transaction=False) as pipe:
                pipe.evalsha(self._accept.sha, len(keys), *keys, *args)
                pipe.execute_command("WAIT", wait.replicas, wait.timeout_ms)
                reply, acked = pipe.execute(raise_on_error=False)
            if isinstance(reply, redis.exceptions.NoScriptError):
                self.redis.script_load(self._accept.script)
                continue
            for result in (reply, acked):
                if isinstance(result, Exception):
                    raise result
            if reply[0] != b"limited" and int(acked) < wait.replicas:
                raise NotReplicated(int(acked), wait.replicas, wait.timeout_ms)
            return reply
        raise redis.exceptions.NoScriptError("accept.lua: not loaded after SCRIPT LOAD")

    def claim(self, event_id: str, *, lease_s: float, now: float | None = None) -> Claim:
        """Take an event to work on it, if it is due and nobody holds a live lease on it."""
        token = secrets.token_hex(8)
        reply = self._claim(
            keys=[self.keys.event(event_id), self.keys.due, self.keys.leases,
                  self.keys.counts],
            args=[event_id, time.time() if now is None else now, lease_s, token, MAX_LOST])
        status, detail = reply[0].decode(), reply[1].decode()
        if status != "claimed":
            return Claim(status, detail)
        flat = reply[2]
        return Claim(status, detail, token, _record(dict(zip(flat[::2], flat[1::2]))))

    def finish(self, event_id: str, claim: Claim, state: str, *, attempt: Attempt | None,
               spend_attempt: bool, due_at: float = 0.0, poke_at: float = 0.0,
               extra: dict[str, str] | None = None) -> bool:
        """Move a claimed event to ``state``; False when the claim was lost meanwhile.

        For ``scheduled``, ``due_at`` is when it may run again and ``poke_at`` when the
        reconciler wakes it if no earlier wake-up (a short countdown) did.
        """
        now = time.time()
        result = self._finish(
            keys=[self.keys.event(event_id), self.keys.due, self.keys.leases,
                  self.keys.counts, self.keys.dead, self.keys.pending, self.keys.expiring],
            args=[event_id, claim.token, state, now, due_at or now,
                  json.dumps(asdict(attempt), separators=(",", ":")) if attempt else "",
                  "1" if spend_attempt else "0", self.retention_s, poke_at or "",
                  *[x for pair in (extra or {}).items() for x in pair]])
        return result == b"ok"

    def overdue(self, *, queue: str, batch: int, look_again_s: float,
                backlog: int = 100) -> tuple[list[str], list[str]]:
        """Ids that need a wake-up now: (due, lease expired). Safe with many callers.

        While ``queue`` holds ``backlog`` messages or more, received events (whose ingress
        wake-up is most likely still queued) are looked at again later instead.
        """
        raw = self._overdue(keys=[self.keys.due, self.keys.leases, queue],
                            args=[time.time(), batch, look_again_s, backlog,
                                  self.keys.event("")])
        ids = [r.decode() for r in raw]
        cut = ids.index("|")
        return ids[:cut], ids[cut + 1:]

    def forget_expired(self, *, batch: int = 1000, now: float | None = None) -> int:
        """Remove the ``timeline`` entries of final events whose hash has expired (its
        retention is over); returns how many. Safe with many callers."""
        return int(self._forget(keys=[self.keys.expiring, self.keys.timeline],
                                args=[time.time() if now is None else now, batch,
                                      self.keys.event("")]))

    def get(self, event_id: str) -> EventRecord | None:
        raw = self.redis.hgetall(self.keys.event(event_id))
        return _record(raw) if raw else None

    def counts(self) -> dict[str, int]:
        """Events by state, plus ``accepted`` and ``duplicates_at_ingress``."""
        raw = {k.decode(): int(v) for k, v in self.redis.hgetall(self.keys.counts).items()}
        out = {state: raw.get(state, 0) for state in STATES}
        out["accepted"] = raw.get("accepted", 0)
        out["duplicates_at_ingress"] = raw.get("duplicates_at_ingress", 0)
        return out

    def oldest_pending_age_s(self) -> float | None:
        """Age of the oldest event not yet in a final state, or None if there is none."""
        oldest = self.redis.zrange(self.keys.pending, 0, 0, withscores=True)
        return max(0.0, time.time() - oldest[0][1]) if oldest else None

    def describe(self, record: EventRecord) -> dict[str, Any]:
        """A JSON-ready view of one event, for ``hookmaker events show`` and the console."""
        env = record.envelope
        return {"id": env.id, "source": env.source, "state": record.state,
                "event_type": env.event_type, "dedupe_key": env.dedupe_key,
                "received_at": env.received_at, "attempts": record.attempts,
                "route": record.fields.get("route"), "record_id": record.fields.get("record_id"),
                "due_at": record.due_at if record.state == "scheduled" else None,
                "history": [asdict(a) for a in record.history],
                "headers": dict(env.headers), "body": env.text()}
