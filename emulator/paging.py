"""Pure helpers for reads: offset/limit parsing, paging and sorting."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from emulator.defaults import DEFAULT_LIMIT, DEFAULT_OFFSET
from emulator.errors import FMError
from emulator.schema import Field
from emulator.store import StoredRecord
from emulator.values import sort_key


def parse_positive(raw: Any, default: int, name: str) -> int:
    """An offset or limit given as a number or a numeric string.

    Raises:
        FMError: 960 when it is not a whole number >= 1.
    """
    if raw is None or raw == "":
        return default
    try:
        value = int(str(raw).strip())
    except ValueError as exc:
        raise FMError("960", f"Parameter is invalid: {name}") from exc
    if value < 1:
        raise FMError("960", f"Parameter is invalid: {name}")
    return value


def page(ids: Sequence[int], offset: Any = None, limit: Any = None) -> list[int]:
    """The slice of ``ids`` at 1-based ``offset`` holding at most ``limit`` items.

    Raises:
        FMError: 960 for a bad offset or limit.
    """
    start = parse_positive(offset, DEFAULT_OFFSET, "offset") - 1
    count = parse_positive(limit, DEFAULT_LIMIT, "limit")
    return list(ids[start:start + count])


def parse_sort(raw: Any) -> list[tuple[str, bool]]:
    """``_sort``/``sort`` (a JSON string or a list) as (field, descending) pairs.

    Raises:
        FMError: 960 when it is not a list of ``{"fieldName": ..., "sortOrder": ...}``.
    """
    if raw is None or raw == "":
        return []
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError as exc:
            raise FMError("960", "Parameter is invalid: sort") from exc
    if isinstance(raw, Mapping):
        raw = [raw]
    if not isinstance(raw, list):
        raise FMError("960", "Parameter is invalid: sort")
    rules = []
    for item in raw:
        if not isinstance(item, Mapping) or not isinstance(item.get("fieldName"), str):
            raise FMError("960", "Parameter is invalid: sort")
        order = str(item.get("sortOrder", "ascend")).lower()
        rules.append((item["fieldName"], order in ("descend", "descending")))
    return rules


def sort_records(records: list[StoredRecord], rules: list[tuple[str, bool]],
                 fields: Mapping[str, Field]) -> list[StoredRecord]:
    """Records sorted by the rules (stable, first rule most significant).

    Raises:
        FMError: 102 for a sort field the table does not have.
    """
    for name, _ in rules:
        if name not in fields:
            raise FMError("102", f"Field is missing: {name}")
    ordered = list(records)
    for name, descending in reversed(rules):
        field = fields[name]
        ordered.sort(key=lambda r: sort_key(field, r.values.get(name, "")), reverse=descending)
    return ordered
