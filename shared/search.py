"""Finding things in the event store: one filter, one scan, cursor paging, newest first.

The dead-letter list and the event search share this. A scan walks one sorted set from
newest to oldest (the narrowest index the filter allows), reads the few fields it needs for
a chunk of ids in one round trip, and keeps those the filter accepts until a page is full.
The cursor is the (score, id) of the last row returned, so pages are stable while letters
come and go.
"""

from __future__ import annotations

import base64
import json
import re
import time
from dataclasses import asdict, dataclass, fields, replace
from datetime import datetime, timezone
from importlib import resources
from typing import Any, Callable, Iterator, Mapping

import redis

DEFAULT_PAGE = 50
MAX_PAGE = 500
CHUNK = 200

_RELATIVE = re.compile(r"^(\d+(?:\.\d+)?)\s*([smhdw])$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


class FilterError(ValueError):
    """A filter value that cannot be understood; the message names the parameter."""


@dataclass(frozen=True)
class Filter:
    """What to look for. Empty fields match everything.

    Dead letters use source, route, db, error_class, code, since, until, text.
    Events use event_id, dedupe_key, source, state, since, until, text.
    """

    source: str = ""
    route: str = ""
    db: str = ""
    error_class: str = ""
    code: str = ""
    state: str = ""
    event_id: str = ""
    dedupe_key: str = ""
    text: str = ""
    since: float | None = None          # epoch seconds, inclusive
    until: float | None = None

    @classmethod
    def from_params(cls, params: Mapping[str, Any], *, now: float | None = None) -> "Filter":
        """From query parameters, CLI options or API JSON (unknown keys are ignored).

        ``since``/``until`` take epoch seconds, ISO 8601 or a relative age (``90m``, ``2d``).

        Raises:
            FilterError: a time cannot be read.
        """
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = params.get(f.name)
            if raw is None or raw == "":
                continue
            if f.name in ("since", "until"):
                values[f.name] = parse_time(raw, f.name, now=now)
            else:
                values[f.name] = str(raw).strip()
        return cls(**values)

    def to_params(self) -> dict[str, Any]:
        """The non-empty fields, for links, audit entries and job records."""
        return {k: v for k, v in asdict(self).items() if v not in (None, "")}

    def is_empty(self) -> bool:
        return not self.to_params()

    def facets(self) -> dict[str, str]:
        """The dead-letter facets this filter pins (index dimension -> value)."""
        pairs = {"source": self.source, "route": self.route, "db": self.db,
                 "class": self.error_class, "code": self.code}
        return {k: v for k, v in pairs.items() if v}

    def without_time(self) -> "Filter":
        return replace(self, since=None, until=None)


def parse_time(raw: Any, name: str = "time", *, now: float | None = None) -> float:
    """Epoch seconds from a number, ISO 8601 text, or an age such as ``15m`` (before now).

    Raises:
        FilterError: none of those.
    """
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return float(raw)
    text = str(raw).strip()
    match = _RELATIVE.match(text)
    if match:
        return (time.time() if now is None else now) - float(match[1]) * _UNITS[match[2]]
    try:
        return float(text)
    except ValueError:
        pass
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise FilterError(f"{name}: {text!r} is not a time (epoch seconds, ISO 8601, "
                          f"or an age like 30m, 6h, 2d)") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.timestamp()


@dataclass(frozen=True)
class Cursor:
    score: float
    id: str

    def encode(self) -> str:
        return f"{self.score!r}:{self.id}"

    @classmethod
    def decode(cls, text: str | None) -> "Cursor | None":
        """Raises: FilterError: not a cursor this module made."""
        if not text:
            return None
        score, sep, ident = text.partition(":")
        try:
            if not sep or not ident:
                raise ValueError
            return cls(float(score), ident)
        except ValueError:
            raise FilterError(f"cursor: {text!r} is not a cursor") from None


@dataclass(frozen=True)
class Page:
    rows: list[dict[str, Any]]
    next_cursor: str | None         # None: this was the last page
    scanned: int                    # ids looked at to fill it (the cost)

    def to_json(self) -> dict[str, Any]:
        return {"rows": self.rows, "next_cursor": self.next_cursor, "scanned": self.scanned}


def body_text(envelope_json: bytes | str | None) -> str:
    """The body of a stored envelope as text (for the payload text filter)."""
    if not envelope_json:
        return ""
    body = json.loads(envelope_json).get("body") or ""
    return base64.b64decode(body).decode("utf-8", errors="replace")


def page_limit(raw: Any) -> int:
    """Raises: FilterError: not a whole number from 1 to MAX_PAGE."""
    if raw in (None, ""):
        return DEFAULT_PAGE
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise FilterError(f"limit: {raw!r} is not a whole number") from None
    if not 1 <= value <= MAX_PAGE:
        raise FilterError(f"limit: must be from 1 to {MAX_PAGE}")
    return value


Accept = Callable[[dict[str, str]], bool]
TEXT_CHUNK = 2000
TEXT_MAX_CHARS = 65536          # the payload text kept for searching, lowercased


def searchable(body: bytes) -> str:
    """What ``dlq_text`` holds for a payload: its text, lowercased, capped."""
    return body.decode("utf-8", errors="replace")[:TEXT_MAX_CHARS].lower()


class TextMatcher:
    """Asks Redis which events' payload contains a needle (``dlq_text_match.lua``)."""

    def __init__(self, client: redis.Redis, event_prefix: str) -> None:
        self._script = client.register_script(
            resources.files("shared.lua").joinpath("dlq_text_match.lua").read_text())
        self._prefix = event_prefix

    def __call__(self, needle: str, ids: list[str]) -> list[int]:
        return [int(f) for f in self._script(keys=[], args=[self._prefix, needle, *ids])]


@dataclass(frozen=True)
class Scan:
    """One walk over a sorted set, newest first, reading ``wanted`` fields of each id.

    With ``text``, ``matcher`` first drops (inside Redis) the ids whose payload lacks it;
    events without kept text are checked here, from their envelope.
    """

    client: redis.Redis
    zset: str
    event_key: Callable[[str], str]
    wanted: tuple[str, ...]
    accept: Accept
    since: float | None = None
    until: float | None = None
    text: str = ""
    matcher: TextMatcher | None = None

    def page(self, cursor: Cursor | None, limit: int) -> Page:
        rows: list[dict[str, Any]] = []
        scanned = 0
        for row, score in self.rows(cursor, first=limit):
            scanned += 1
            if row is None:
                continue
            rows.append(row)
            if len(rows) >= limit:
                return Page(rows, Cursor(score, row["id"]).encode(), scanned)
        return Page(rows, None, scanned)

    def rows(self, cursor: Cursor | None = None, *, first: int = CHUNK
             ) -> Iterator[tuple[dict[str, Any] | None, float]]:
        """(row or None when not accepted or gone, score) for every id, newest first."""
        needle = self.text.lower()
        for chunk in self._chunks(cursor, TEXT_CHUNK if needle else first):
            flags = self.matcher(needle, [i for i, _ in chunk]) if needle and self.matcher \
                else [-1 if needle else 1] * len(chunk)
            pipe = self.client.pipeline(transaction=False)
            for (ident, _), flag in zip(chunk, flags):
                if flag:
                    pipe.hmget(self.event_key(ident), self.wanted
                               + (("envelope",) if flag < 0 else ()))
            values = iter(pipe.execute())
            for (ident, score), flag in zip(chunk, flags):
                yield (self._row(ident, next(values), needle) if flag else None), score

    def _row(self, ident: str, values: list, needle: str) -> dict[str, Any] | None:
        if values[0] is None:
            return None                                   # gone meanwhile
        row = {"id": ident, **{k: (v.decode() if v is not None else "")
                               for k, v in zip(self.wanted, values)}}
        if len(values) > len(self.wanted):                # no kept text: read the envelope
            if needle not in body_text(values[-1]).lower():
                return None
        return row if self.accept(row) else None

    def _chunks(self, cursor: Cursor | None, size: int) -> Iterator[list[tuple[str, float]]]:
        top = float("inf") if self.until is None else self.until
        bottom = float("-inf") if self.since is None else self.since
        skip = 0
        if cursor is not None:
            top = min(top, cursor.score)
            ties = self.client.zrangebyscore(self.zset, cursor.score, cursor.score)
            skip = sum(1 for t in ties if t.decode() >= cursor.id)
        while True:
            raw = self.client.zrevrangebyscore(self.zset, top, bottom, start=skip, num=size,
                                               withscores=True)
            if not raw:
                return
            chunk = [(m.decode(), s) for m, s in raw]
            yield chunk
            if len(chunk) < size:
                return
            last = chunk[-1][1]
            same = sum(1 for _, s in chunk if s == last)
            skip = same + (skip if last == top else 0)
            top = last
            size = min(size * 4, max(CHUNK, TEXT_CHUNK if self.text else CHUNK * 5))
