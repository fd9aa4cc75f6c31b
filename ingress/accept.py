"""Store a verified delivery and wake a worker: one Lua script, one Redis round trip
(with ``[redis] wait_replicas``, the script and a ``WAIT`` pipelined: still one).

The script checks the rate limits, checks the dedupe key, writes the event and pushes its
Celery wake-up, all in one atomic step, before any 2xx (promise 1). So a duplicate is never
stored or woken twice, and a stored event always has its wake-up queued; should that message
be lost later (a broker failover), the reconciler republishes the event once it is overdue.
"""

from __future__ import annotations

import base64
import json
import logging
import time
from dataclasses import asdict, dataclass, fields
from typing import Mapping

import redis

from ingress.presets import NOT_PARSED, dedupe_key, event_type, load_json
from ingress.problems import Rejected
from ingress.ratelimit import retry_after_header
from ingress.sources import ReadySource
from ingress.verifiers import SignedRequest
from shared.celery_settings import WakeupMessage
from shared.envelope import Envelope, new_ulid
from shared.eventstore import EventStore, NotReplicated, RateLimit, RateLimited

log = logging.getLogger("hookmaker.ingress")


@dataclass(frozen=True)
class Outcome:
    """The event's id, and whether it is a duplicate of an event already stored."""

    id: str
    duplicate: bool


@dataclass(frozen=True)
class Acceptor:
    """Everything the store step needs, built once at start-up."""

    store: EventStore
    wakeup: WakeupMessage
    poke_after_s: float
    retry_after_s: int
    global_limit: RateLimit | None = None

    def accept(self, source: ReadySource, signed: SignedRequest) -> Outcome:
        """Store the delivery (or find the event that holds its dedupe key).

        Raises:
            Rejected: ``rate-limited`` (429) or ``store-unavailable`` (503): nothing may be
                acknowledged.
        """
        envelope = build_envelope(source, signed)
        limits = [lim for lim in (source.limit, self.global_limit) if lim is not None]
        try:
            holder = self.store.accept(
                envelope, poke_after_s=self.poke_after_s, queue=self.wakeup.key,
                wakeup=self.wakeup.render(envelope.id), limits=limits)
        except RateLimited as limited:
            wait_s = retry_after_header(limited.retry_after_s)
            raise Rejected("rate-limited", f"over the rate limit; retry in {wait_s} s",
                           retry_after_s=wait_s) from None
        except NotReplicated as exc:
            # Stored on the primary (a worker will deliver it), but a failover could still
            # lose it: no 2xx. The sender's retry is answered 200 duplicate once it is safe.
            log.warning("event %s not confirmed by replicas (%s); answered 503", envelope.id,
                        exc)
            raise Rejected("store-unavailable", "the event was not stored safely; send it "
                           "again later", retry_after_s=self.retry_after_s) from None
        except redis.RedisError as exc:
            log.warning("event store unavailable (%s); answered 503", type(exc).__name__)
            raise Rejected("store-unavailable", "the event was not stored; send it again "
                           "later", retry_after_s=self.retry_after_s) from None
        if holder is not None:
            return Outcome(holder, duplicate=True)
        return Outcome(envelope.id, duplicate=False)


def build_envelope(source: ReadySource, signed: SignedRequest) -> "IngressEnvelope":
    """The envelope of a verified delivery: the raw body, the headers minus credentials."""
    now = time.time()
    parsed = load_json(signed.body) if source.parse_json else NOT_PARSED
    return IngressEnvelope(
        id=new_ulid(now), source=source.name, received_at=now, body=signed.body,
        headers=_kept_headers(signed.headers, source.dropped_headers),
        content_type=signed.headers.get("Content-Type", ""),
        dedupe_key=dedupe_key(source.dedupe, signed, parsed_body=parsed),
        event_type=event_type(source.kind, signed, parsed_body=parsed))


_FIELDS = tuple(f.name for f in fields(Envelope))


@dataclass(frozen=True)
class IngressEnvelope(Envelope):
    """An Envelope whose ``to_json`` skips ``dataclasses.asdict``'s deep copy (~50 µs a
    request). The output is exactly :meth:`Envelope.to_json`'s (a unit test holds it to it)."""

    def to_json(self) -> str:
        data = {name: getattr(self, name) for name in _FIELDS}
        data["body"] = base64.b64encode(self.body).decode("ascii")
        if self.original_body is not None:
            data["original_body"] = base64.b64encode(self.original_body).decode("ascii")
        data["headers"] = dict(self.headers)
        data["attempts"] = [asdict(a) for a in self.attempts]
        return json.dumps(data, separators=(",", ":"))


def _kept_headers(headers: Mapping[str, str], dropped: frozenset[str]) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k.lower() not in dropped}
