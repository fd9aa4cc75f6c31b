"""The dead-letter store: one object with verbs, like rq's ``FailedJobRegistry``.

A dead letter is an event of the event store in state ``dead``: its hash keeps the whole
envelope (raw body, headers), the route, the outcome class, FileMaker code and message, the
attempt history, and the first and last failure times. This module adds facet indexes over
them (``keys.dlq_index``) so that a filtered page comes back in milliseconds, and the verbs
support staff need: add, get, list, requeue, edit-and-requeue, delete, purge, export,
import, trim (retention). Every change is one Lua script (``shared/lua/dlq_*.lua``).

Counts keep adding up (``sum(states) == accepted``): requeue moves dead -1 / received +1;
delete and purge move dead -1 / accepted -1 and count the letter under ``purged``; import
counts accepted +1 / dead +1 and ``imported`` +1.
"""

from __future__ import annotations

import itertools
import json
import time
from dataclasses import asdict, replace
from importlib import resources
from typing import Any, Iterable, Iterator

import redis

from shared.adminconfig import DlqSettings
from shared.audit import AuditLog
from shared.envelope import Attempt, Envelope
from shared.eventstore import EventStore
from shared.keys import Keys
from shared.eventsearch import detail
from shared.search import Cursor, Filter, Page, Scan, TextMatcher, searchable

ROW_FIELDS = ("state", "source", "event_type", "route", "filemaker", "dlq_db", "dlq_class",
              "dlq_code", "last_error", "dead_at", "first_failure_at", "received_at",
              "attempts", "requeues")
POKE_GRACE_S = 5.0           # a requeued letter's wake-up is published; the reconciler
                             # publishes it again only if it is still waiting after this
EXPORT_FORMAT = "hookmaker-dead-letter/1"
BATCH = 500


def lua(client: redis.Redis, name: str, *, with_lib: bool = True):
    """A dlq script, with ``dlq_lib.lua`` in front of it."""
    folder = resources.files("shared.lua")
    text = folder.joinpath(name).read_text()
    if with_lib:
        text = folder.joinpath("dlq_lib.lua").read_text() + "\n" + text
    return client.register_script(text)


def history_entry(outcome: str, message: str, now: float | None = None) -> str:
    attempt = Attempt(at=time.time() if now is None else now, outcome=outcome, message=message)
    return json.dumps(asdict(attempt), separators=(",", ":"))


class DeadLetters:
    """The verbs over dead letters. Thread-safe; one per process is enough."""

    def __init__(self, client: redis.Redis, keys: Keys, *,
                 settings: DlqSettings = DlqSettings(), retention_s: int = 7 * 86400) -> None:
        self.redis = client
        self.keys = keys
        self.settings = settings
        self.events = EventStore(client, keys, retention_s=retention_s)
        self.audit = AuditLog(client, keys, max_entries=settings.audit_max_entries)
        self.head_keys = [keys.counts, keys.dead, keys.due, keys.pending, keys.timeline]
        self.head_args = [keys.event(""), keys.dlq_index_prefix, keys.dlq_facets_prefix]
        self._bury = lua(client, "dlq_bury.lua")
        self._requeue = lua(client, "dlq_requeue.lua")
        self._edit = lua(client, "dlq_edit.lua")
        self._delete = lua(client, "dlq_delete.lua")
        self._import = lua(client, "dlq_import.lua")
        self._matcher = TextMatcher(client, keys.event(""))

    def _run(self, script, extra_keys: list[str], args: list[Any]):
        return script(keys=self.head_keys + extra_keys, args=self.head_args + args)

    # --- add ---
    def add(self, event_id: str, claim_token: str, attempt: Attempt | None,
            extra: dict[str, str], *, database: str, first_failure_at: float) -> bool:
        """Bury a claimed event (the worker's ``bury``); False if the claim was lost."""
        now = time.time()
        result = self._run(self._bury, [self.keys.leases], [
            event_id, claim_token, now,
            json.dumps(asdict(attempt), separators=(",", ":")) if attempt else "",
            first_failure_at, attempt.outcome if attempt else "unknown",
            (attempt.code if attempt else None) or "", database,
            *[x for pair in extra.items() for x in pair]])
        return result == b"ok"

    # --- read ---
    def get(self, event_id: str) -> dict[str, Any] | None:
        """The whole letter (any event, in fact) as support staff see it; None if unknown."""
        record = self.events.get(event_id)
        return None if record is None else detail(self.events, record)

    def list(self, flt: Filter = Filter(), *, cursor: str | None = None,
             limit: int = 50) -> Page:
        """A page of dead letters matching ``flt``, newest death first.

        Raises:
            FilterError: a bad cursor.
        """
        return self._scan(flt).page(Cursor.decode(cursor), limit)

    def ids(self, flt: Filter = Filter()) -> Iterator[str]:
        """Every dead letter id matching ``flt``, newest first (for bulk verbs)."""
        for row, _ in self._scan(flt).rows():
            if row is not None:
                yield row["id"]

    def count(self, flt: Filter = Filter()) -> int:
        if flt.is_empty():
            return self.redis.zcard(self.keys.dead)
        return sum(1 for _ in self.ids(flt))

    def reasons(self) -> dict[str, dict[str, int]]:
        """Dead letters by facet value: {"class": {"permanent": 3}, "code": {...}, ...}."""
        pipe = self.redis.pipeline(transaction=False)
        dims = ("class", "code", "source", "route", "db")
        for dim in dims:
            pipe.hgetall(self.keys.dlq_facets(dim))
        return {dim: {k.decode(): int(v) for k, v in raw.items()}
                for dim, raw in zip(dims, pipe.execute())}

    def _scan(self, flt: Filter) -> Scan:
        facets = flt.facets()
        zset = self.keys.dead
        if facets:
            pipe = self.redis.pipeline(transaction=False)
            for dim, value in facets.items():
                pipe.zcard(self.keys.dlq_index(dim, value))
            sizes = pipe.execute()
            dim = min(zip(sizes, facets), key=lambda pair: pair[0])[1]
            zset = self.keys.dlq_index(dim, facets[dim])
        return Scan(self.redis, zset, self.keys.event, ROW_FIELDS, _accept_letter(flt),
                    since=flt.since, until=flt.until, text=flt.text, matcher=self._matcher)

    # --- requeue ---
    def requeue(self, ids: Iterable[str], who: str, *, filter: Filter | None = None,
                detail: str = "") -> list[str]:
        """Requeue letters (those no longer dead are skipped); returns the ids requeued.

        The caller publishes their wake-ups (or the reconciler does, ``POKE_GRACE_S`` on).
        """
        ids = list(ids)
        done: list[str] = []
        entry = history_entry("requeued", f"requeued by {who}")
        for start in range(0, len(ids), BATCH):
            now = time.time()
            raw = self._run(self._requeue, [], [now, now + POKE_GRACE_S, entry, who,
                                                *ids[start:start + BATCH]])
            done += [r.decode() for r in raw]
        self.audit.record(who, "requeue", ids=done, count=len(done),
                          filter=filter.to_params() if filter else None,
                          detail=detail or (f"{len(ids) - len(done)} no longer dead"
                                            if len(ids) > len(done) else ""))
        return done

    def edit_and_requeue(self, event_id: str, body: bytes, who: str) -> str:
        """Replace the letter's body and requeue it; the first original body is kept.

        Returns "ok", "not-dead" (gone, or requeued meanwhile), "changed" (someone edited it
        since it was read: read it again) or "missing".

        Raises:
            ValueError: the original body was JSON and the edit is not.
        """
        raw = self.redis.hget(self.keys.event(event_id), "envelope")
        if raw is None:
            return "missing"
        envelope = Envelope.from_json(raw)
        _check_edit(envelope, body)
        original = envelope.original_body if envelope.original_body is not None \
            else envelope.body
        edited = replace(envelope, body=body, original_body=original)
        now = time.time()
        entry = history_entry("requeued", f"payload edited and requeued by {who}", now)
        status = self._run(self._edit, [], [event_id, raw, edited.to_json(), now,
                                            now + POKE_GRACE_S, entry, who,
                                            searchable(body)]).decode()
        if status == "ok":
            self.audit.record(who, "edit-and-requeue", ids=[event_id],
                              detail=f"body {len(envelope.body)} -> {len(body)} bytes")
        return status

    # --- remove ---
    def delete(self, ids: Iterable[str], who: str, *, filter: Filter | None = None,
               action: str = "delete") -> int:
        """Delete letters for good; returns how many were deleted."""
        ids = list(ids)
        deleted = 0
        for start in range(0, len(ids), BATCH):
            deleted += int(self._run(self._delete, [], ids[start:start + BATCH]))
        self.audit.record(who, action, ids=ids, count=deleted,
                          filter=filter.to_params() if filter else None)
        return deleted

    def purge(self, flt: Filter, who: str) -> int:
        """Delete every letter matching ``flt`` (an empty filter: all of them)."""
        return self.delete(list(self.ids(flt)), who, filter=flt, action="purge")

    def trim(self, now: float | None = None, *, most: int = 2000) -> int:
        """Apply retention: letters older than ``max_age_s``, then the oldest beyond
        ``max_letters``. Deletes at most ``most`` per call; returns how many."""
        now = time.time() if now is None else now
        old = self.redis.zrangebyscore(self.keys.dead, "-inf",
                                       now - self.settings.max_age_s, start=0, num=most)
        excess = self.redis.zcard(self.keys.dead) - len(old) - self.settings.max_letters
        if excess > 0:
            old += self.redis.zrange(self.keys.dead, len(old),
                                     len(old) + min(excess, most - len(old)) - 1)
        ids = [i.decode() for i in old]
        return self.delete(ids, "retention", action="trim") if ids else 0

    def _import_batch(self, batch: list[dict[str, Any]]) -> list[str]:
        pipe = self.redis.pipeline(transaction=False)
        for letter in batch:
            self._import(keys=self.head_keys, args=self.head_args + _import_args(letter),
                         client=pipe)
        return [letter["id"] for letter, done in zip(batch, pipe.execute()) if done]

    # --- move between environments ---
    def export(self, flt: Filter = Filter()) -> Iterator[dict[str, Any]]:
        """Every matching letter as one JSON-ready dict (a line of JSON Lines)."""
        for event_id in self.ids(flt):
            raw = self.redis.hgetall(self.keys.event(event_id))
            if raw:
                yield {"format": EXPORT_FORMAT, "id": event_id,
                       "fields": {k.decode(): v.decode() for k, v in raw.items()}}

    def import_(self, letters: Iterable[dict[str, Any]], who: str) -> tuple[int, int]:
        """Import exported letters; returns (imported, skipped: the id already exists).

        Raises:
            ValueError: a line is not an exported letter (none from its batch of 500 on is
                imported).
        """
        imported, seen = [], 0
        batch: list[dict[str, Any]] = []
        for letter in itertools.chain(letters, [None]):
            if letter is not None:
                _import_fields(letter)
                batch.append(letter)
                seen += 1
            if batch and (letter is None or len(batch) >= BATCH):
                imported += self._import_batch(batch)
                batch = []
        self.audit.record(who, "import", ids=imported, detail=f"{seen - len(imported)} skipped")
        return len(imported), seen - len(imported)


def _import_args(letter: dict[str, Any]) -> list[Any]:
    fields = _import_fields(letter)
    if "dlq_text" not in fields:
        fields["dlq_text"] = searchable(Envelope.from_json(fields["envelope"]).body)
    now = time.time()
    return [letter["id"], fields.get("dead_at") or fields.get("updated_at") or now,
            fields.get("received_at") or now, *[x for pair in fields.items() for x in pair]]


def _accept_letter(flt: Filter):
    wanted = {"source": flt.source, "route": flt.route, "dlq_db": flt.db,
              "dlq_class": flt.error_class, "dlq_code": flt.code}
    wanted = {k: v for k, v in wanted.items() if v}

    def accept(row: dict[str, str]) -> bool:
        return row["state"] == "dead" and all((row[k] or "-") == v for k, v in wanted.items())
    return accept


def _check_edit(envelope: Envelope, body: bytes) -> None:
    try:
        envelope.json()
    except ValueError:
        return                              # not JSON before: any text will do
    try:
        json.loads(body)
    except ValueError as exc:
        raise ValueError(f"the edited payload is not JSON: {exc}") from None


def _import_fields(letter: Any) -> dict[str, str]:
    if not isinstance(letter, dict) or letter.get("format") != EXPORT_FORMAT \
            or not isinstance(letter.get("fields"), dict) or not letter.get("id"):
        raise ValueError(f"not an exported dead letter (format {EXPORT_FORMAT})")
    fields = {str(k): str(v) for k, v in letter["fields"].items()}
    if "envelope" not in fields:
        raise ValueError(f"letter {letter['id']}: no envelope")
    Envelope.from_json(fields["envelope"])          # raises ValueError when broken
    return fields

