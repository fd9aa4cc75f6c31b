"""FileMaker find requests, as pure functions over stored values.

Operators: ``==`` whole field, ``=`` word exact (alone: empty field), ``*`` zero or more
characters (alone: any value), ``@`` one character, ``#`` one digit, ``<`` ``>`` ``<=``
``>=`` comparisons, ``a...b`` ranges, ``!`` duplicates, ``"..."`` a literal phrase.
Text matches ignore case; plain words match the start of words in the field.
Requests run in order: a find request adds its matches, an ``omit`` request removes them;
a first omit request starts from all records.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any, Callable

from emulator.errors import FMError
from emulator.schema import Field
from emulator.values import Stored, fold, parse_date, parse_number, parse_time, parse_timestamp

Row = tuple[int, Mapping[str, Stored]]
WORD = re.compile(r"\w+")
CRIT_WORD = re.compile(r"[\w*@#]+")
COMPARISON = re.compile(r"^(<=|>=|≤|≥|<|>)(.*)$")
RANGE = re.compile(r"^(.*?)\.{2,3}(.*)$")


def wildcard_regex(pattern: str) -> str:
    """A regex for a FileMaker pattern: ``*`` any run, ``@`` one character, ``#`` a digit."""
    parts = {"*": ".*", "@": ".", "#": r"\d"}
    return "".join(parts.get(ch, re.escape(ch)) for ch in pattern)


def comparable(field: Field, text: str, dateformats: int = 0) -> Any:
    """A find-mode value as something comparable with stored values of ``field``.

    Raises:
        ValueError: the text is not a value of the field's type.
    """
    text = text.strip()
    if field.type == "number":
        number = parse_number(text)
        if number is None:
            raise ValueError(text)
        return number
    if field.type == "date":
        return parse_date(text, dateformats).isoformat()
    if field.type == "time":
        return parse_time(text).isoformat()
    if field.type == "timestamp":
        try:
            return parse_timestamp(text, dateformats).isoformat(sep=" ")
        except ValueError:
            return parse_date(text, dateformats).isoformat()
    return text.lower()


def _stored_comparable(field: Field, stored: Stored) -> Any:
    if field.type == "number":
        return stored if isinstance(stored, (int, float)) else None
    return str(stored).lower()


def make_matcher(field: Field, criterion: Any, dateformats: int = 0
                 ) -> Callable[[Stored], bool] | None:
    """A predicate on one stored value for a criterion; None means "duplicates" (``!``).

    Raises:
        FMError: 508 when a comparison value does not fit the field type.
    """
    crit = str(criterion).strip()
    if crit == "!":
        return None
    if crit == "*":
        return lambda v: v != ""
    if crit in ("=", "=="):
        return lambda v: v == ""
    if crit.startswith("=="):
        return _whole(field, crit[2:], dateformats)
    found = COMPARISON.match(crit)
    if found:
        return _compare(field, found[1], found[2], dateformats)
    found = RANGE.match(crit)
    if found and found[1] and found[2]:
        low, high = (_value(field, part, dateformats) for part in (found[1], found[2]))
        return lambda v: v != "" and _ordered(field, v, low, high)
    if crit.startswith("="):
        return _words(crit[1:], exact=True) if field.type == "text" else _whole(field, crit[1:], dateformats)
    if field.type == "text":
        if len(crit) > 1 and crit.startswith('"') and crit.endswith('"'):
            return lambda v: crit[1:-1].lower() in str(v).lower()
        return _words(crit, exact=False)
    return _typed_equal(field, crit, dateformats)


def _value(field: Field, text: str, dateformats: int) -> Any:
    try:
        return comparable(field, text, dateformats)
    except ValueError as exc:
        raise FMError("508", f"Invalid value entered in Find mode: {text}") from exc


def _ordered(field: Field, stored: Stored, low: Any, high: Any) -> bool:
    value = _stored_comparable(field, stored)
    if value is None:
        return False
    if field.type == "timestamp" and len(high) == 10:
        value = value[:10]
    try:
        return low <= value <= high
    except TypeError:
        return False


def _compare(field: Field, op: str, text: str, dateformats: int) -> Callable[[Stored], bool]:
    target = _value(field, text, dateformats)
    ops = {"<": lambda a: a < target, ">": lambda a: a > target, "<=": lambda a: a <= target,
           ">=": lambda a: a >= target, "≤": lambda a: a <= target, "≥": lambda a: a >= target}

    def match(stored: Stored) -> bool:
        value = _stored_comparable(field, stored)
        return stored != "" and value is not None and ops[op](value)
    return match


def _whole(field: Field, pattern: str, dateformats: int) -> Callable[[Stored], bool]:
    if field.type == "text" or any(ch in pattern for ch in "*@#"):
        regex = re.compile(wildcard_regex(pattern) + r"\Z", re.IGNORECASE | re.DOTALL)
        return lambda v: bool(regex.match(str(v)))
    return _typed_equal(field, pattern, dateformats)


def _typed_equal(field: Field, text: str, dateformats: int) -> Callable[[Stored], bool]:
    if field.type == "timestamp":
        try:
            day = parse_date(text, dateformats).isoformat()
            return lambda v: str(v)[:10] == day
        except ValueError:
            pass
    target = _value(field, text, dateformats)
    return lambda v: v != "" and _stored_comparable(field, v) == target


def _words(crit: str, exact: bool) -> Callable[[Stored], bool]:
    tail = r"\Z" if exact else ""
    patterns = [re.compile(wildcard_regex(w) + tail, re.IGNORECASE)
                for w in CRIT_WORD.findall(crit)]

    def match(stored: Stored) -> bool:
        words = WORD.findall(str(stored))
        return all(any(p.match(w) for w in words) for p in patterns)
    return match


def run_find(rows: Sequence[Row], requests: Sequence[Mapping[str, Any]],
             fields: Mapping[str, Field], dateformats: int = 0) -> list[int]:
    """The record ids a list of find requests selects, in table order.

    Raises:
        FMError: 960 for a malformed query, 102 for an unknown field, 400 when every
            criterion is empty, 508 for a bad comparison value.
    """
    if not isinstance(requests, Sequence) or isinstance(requests, str) or not requests:
        raise FMError("960", "Parameter is invalid: query")
    compiled = [_compile(req, fields, dateformats) for req in requests]
    if all(not criteria for _, criteria in compiled):
        raise FMError("400")
    dupes = _duplicates(rows, compiled)
    selected: set[int] = set() if not compiled[0][0] else {rid for rid, _ in rows}
    for omit, criteria in compiled:
        hits = {rid for rid, values in rows if criteria and _matches(values, criteria, dupes)}
        selected = selected - hits if omit else selected | hits
    return [rid for rid, _ in rows if rid in selected]


def _compile(request: Any, fields: Mapping[str, Field], dateformats: int
             ) -> tuple[bool, list[tuple[str, Callable[[Stored], bool] | None]]]:
    if not isinstance(request, Mapping):
        raise FMError("960", "Parameter is invalid: query")
    omit = str(request.get("omit", "false")).lower() == "true"
    criteria = []
    for name, crit in request.items():
        if name == "omit":
            continue
        field = fields.get(name)
        if field is None:
            raise FMError("102", f"Field is missing: {name}")
        if str(crit).strip() != "":
            criteria.append((name, make_matcher(field, crit, dateformats)))
    return omit, criteria


def _duplicates(rows: Sequence[Row], compiled: list) -> dict[str, set[Any]]:
    names = {name for _, criteria in compiled for name, m in criteria if m is None}
    dupes = {}
    for name in names:
        counts = Counter(fold(values.get(name, "")) for _, values in rows)
        dupes[name] = {value for value, n in counts.items() if n > 1 and value != ""}
    return dupes


def _matches(values: Mapping[str, Stored], criteria: list, dupes: dict[str, set[Any]]) -> bool:
    for name, matcher in criteria:
        value = values.get(name, "")
        if matcher is None:
            if fold(value) not in dupes[name]:
                return False
        elif not matcher(value):
            return False
    return True
