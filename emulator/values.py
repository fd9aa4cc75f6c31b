"""Field values: parse what clients send into stored form, format stored values for output.

Stored forms: text ``str`` (line breaks as ``\\r``); number ``int``/``float`` (or the text a
non-numeric entry left); date ``YYYY-MM-DD``; time ``HH:MM:SS``; timestamp
``YYYY-MM-DD HH:MM:SS``; container a URL; empty is ``""`` for every type.
``dateformats``: 0 US (default), 1 file locale (US here), 2 ISO 8601.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Any

from emulator.errors import FMError
from emulator.schema import Field

US_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
ISO_DATE = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})$")
TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:\s*([AaPp])[Mm])?$")
Stored = Any


def fold(value: Stored) -> Any:
    """What unique validations and duplicate finds (``!``) compare: text case-insensitively."""
    return value.lower() if isinstance(value, str) else value


def normalize_dateformats(raw: Any) -> int:
    """The ``dateformats`` value as 0, 1 or 2.

    Raises:
        FMError: 960 when the value is not one of 0, 1, 2.
    """
    if raw is None or raw == "":
        return 0
    try:
        value = int(raw)
    except (TypeError, ValueError) as exc:
        raise FMError("960", "Parameter is invalid: dateformats") from exc
    if value not in (0, 1, 2):
        raise FMError("960", "Parameter is invalid: dateformats")
    return value


def parse_date(text: str, dateformats: int = 0) -> date:
    """Parse a date as the client sends it (``MM/DD/YYYY``, or ``YYYY-MM-DD`` with 2).

    Raises:
        ValueError: not a date in that format.
    """
    text = text.strip()
    if dateformats == 2:
        found = ISO_DATE.match(text)
        if found:
            return date(int(found[1]), int(found[2]), int(found[3]))
    else:
        found = US_DATE.match(text)
        if found:
            return date(int(found[3]), int(found[1]), int(found[2]))
    raise ValueError(f"not a date: {text!r}")


def parse_time(text: str) -> time:
    """Parse ``H:MM[:SS[.fff]] [AM|PM]``.

    Raises:
        ValueError: not a time.
    """
    found = TIME.match(text.strip())
    if not found:
        raise ValueError(f"not a time: {text!r}")
    hour, minute, second = int(found[1]), int(found[2]), int(found[3] or 0)
    if found[4]:
        if not 1 <= hour <= 12:
            raise ValueError(f"not a time: {text!r}")
        hour = hour % 12 + (12 if found[4].lower() == "p" else 0)
    return time(hour, minute, second)


def parse_timestamp(text: str, dateformats: int = 0) -> datetime:
    """Parse a date and a time separated by a space (or ``T`` with ISO).

    Raises:
        ValueError: not a timestamp in that format.
    """
    text = text.strip()
    sep = "T" if dateformats == 2 and "T" in text else " "
    date_part, _, time_part = text.partition(sep)
    if not time_part:
        raise ValueError(f"not a timestamp: {text!r}")
    return datetime.combine(parse_date(date_part, dateformats), parse_time(time_part))


def parse_number(value: Any) -> int | float | None:
    """A number from JSON or text, or None when it is not numeric."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        number = value
    else:
        try:
            number = float(str(value).strip())
        except ValueError:
            return None
    if isinstance(number, float) and number.is_integer() and abs(number) < 2 ** 53:
        return int(number)
    return number


def to_storage(field: Field, value: Any, dateformats: int = 0) -> Stored:
    """Convert a client value for ``field`` into its stored form.

    Raises:
        FMError: 960 for null/objects/lists/booleans, 500/501 for bad dates or times,
            502 for non-numeric text in a numeric-only field, 511 past max characters.
    """
    if value is None or isinstance(value, (bool, dict, list)):
        raise FMError("960", f"Parameter is invalid: value of {field.name}")
    if isinstance(value, str) and value == "":
        return ""
    if field.type == "number":
        return _number(field, value)
    text = str(value)
    try:
        if field.type == "date":
            return parse_date(text, dateformats).isoformat()
        if field.type == "time":
            return parse_time(text).isoformat()
        if field.type == "timestamp":
            return parse_timestamp(text, dateformats).isoformat(sep=" ")
    except ValueError as exc:
        raise FMError("501" if field.type == "time" else "500") from exc
    text = text.replace("\r\n", "\r").replace("\n", "\r")
    if field.max_chars and len(text) > field.max_chars:
        raise FMError("511")
    return text


def _number(field: Field, value: Any) -> Stored:
    number = parse_number(value)
    if number is None:
        if field.numeric_only:
            raise FMError("502")
        return str(value)
    if field.max_chars and len(str(value)) > field.max_chars:
        raise FMError("511")
    return number


def to_output(field: Field, stored: Stored, dateformats: int = 0) -> Any:
    """Format a stored value as the Data API returns it (dates US unless ``dateformats`` 2)."""
    if stored is None or stored == "":
        return ""
    if field.type == "date":
        return _out_date(date.fromisoformat(stored), dateformats)
    if field.type == "timestamp":
        moment = datetime.fromisoformat(stored)
        return f"{_out_date(moment.date(), dateformats)} {moment.time().isoformat()}"
    return stored


def _out_date(day: date, dateformats: int) -> str:
    if dateformats == 2:
        return day.isoformat()
    return f"{day.month:02d}/{day.day:02d}/{day.year:04d}"


def sort_key(field: Field, stored: Stored) -> tuple[int, Any]:
    """A key that orders stored values the way FileMaker sorts them (empty first)."""
    if stored is None or stored == "":
        return (0, "")
    if field.type == "number":
        return (1, stored) if isinstance(stored, (int, float)) else (2, str(stored).lower())
    return (1, str(stored).lower())
