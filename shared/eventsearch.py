"""The same search over every event in the event store, not only dead ones.

By id or dedupe key it is a direct lookup. Otherwise it walks the narrowest sorted set the
state allows (``dead`` by time of death, ``pending`` for events still in flight, else the
``timeline`` of every event by time received), newest first, with the same cursor paging as
the dead-letter list (:mod:`shared.search`).
"""

from __future__ import annotations

from typing import Any, Iterable

import redis

from shared.eventstore import STATES, EventStore
from shared.keys import Keys
from shared.search import Cursor, Filter, FilterError, Page, Scan, TextMatcher, body_text

EVENT_FIELDS = ("state", "source", "event_type", "received_at", "updated_at", "attempts",
                "route", "dlq_code", "last_error", "record_id")
IN_FLIGHT = ("received", "in_progress", "scheduled")


def search_events(client: redis.Redis, keys: Keys, flt: Filter, *, sources: Iterable[str],
                  cursor: str | None = None, limit: int = 50) -> Page:
    """A page of events matching ``flt``, newest first.

    Raises:
        FilterError: an unknown state, or a bad cursor.
    """
    if flt.state and flt.state not in STATES:
        raise FilterError(f"state: {flt.state!r} is not one of {', '.join(STATES)}")
    direct = _direct_ids(client, keys, flt, sources)
    if direct is not None:
        rows = [r for r in (_row(client, keys, i, flt) for i in direct) if r]
        return Page(rows, None, len(direct))
    zset = {"dead": keys.dead}.get(flt.state) or \
        (keys.pending if flt.state in IN_FLIGHT else keys.timeline)
    scan = Scan(client, zset, keys.event, EVENT_FIELDS, _accept_event(flt),
                since=flt.since, until=flt.until, text=flt.text,
                matcher=TextMatcher(client, keys.event("")))
    return scan.page(Cursor.decode(cursor), limit)


def _direct_ids(client: redis.Redis, keys: Keys, flt: Filter,
                sources: Iterable[str]) -> list[str] | None:
    if flt.event_id:
        return [flt.event_id]
    if not flt.dedupe_key:
        return None
    names = [flt.source] if flt.source else list(sources)
    pipe = client.pipeline(transaction=False)
    for name in names:
        pipe.get(keys.dedupe(name, flt.dedupe_key))
    return [held.decode() for held in pipe.execute() if held]


def _row(client: redis.Redis, keys: Keys, event_id: str, flt: Filter) -> dict | None:
    wanted = EVENT_FIELDS + ("envelope",)
    values = client.hmget(keys.event(event_id), wanted)
    if values[0] is None:
        return None
    row = {"id": event_id, **{k: (v.decode() if v is not None else "")
                              for k, v in zip(wanted, values)}}
    text = body_text(row.pop("envelope")).lower()
    return row if _accept_event(flt)(row) and flt.text.lower() in text else None


def _accept_event(flt: Filter):
    def accept(row: dict[str, str]) -> bool:
        return (not flt.state or row["state"] == flt.state) \
            and (not flt.source or row["source"] == flt.source)
    return accept


def detail(store: EventStore, record) -> dict[str, Any]:
    """One event, JSON-ready: ``EventStore.describe`` plus what the dead-letter store keeps."""
    view = store.describe(record)
    f = record.fields
    env = record.envelope
    view.update({
        "content_type": env.content_type, "filemaker": f.get("filemaker"),
        "database": f.get("dlq_db"), "error_class": f.get("dlq_class"),
        "code": f.get("dlq_code") or None, "last_error": f.get("last_error"),
        "first_failure_at": _float(f.get("first_failure_at")),
        "dead_at": _float(f.get("dead_at")) if record.state == "dead" else None,
        "requeues": int(f.get("requeues", 0)), "requeued_by": f.get("requeued_by"),
        "edited_by": f.get("edited_by"), "edited_at": _float(f.get("edited_at")),
        "original_body": None if env.original_body is None
        else env.original_body.decode("utf-8", errors="replace")})
    return view


def _float(value: str | None) -> float | None:
    return float(value) if value else None
