"""Field rules of the schema, as pure checks: which fields may be written, and whether a
record passes validation (not empty 509, unique 504)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from emulator.errors import FMError
from emulator.schema import Field, Layout, Table
from emulator.values import Stored, to_storage

REPETITION = re.compile(r"^(.*)\((\d+)\)$")


def field_name(raw_name: str) -> str:
    """The field a ``fieldData`` key names: ``Name(1)`` is ``Name``.

    Raises:
        FMError: 111 for a repetition other than 1 (repeating fields are not emulated).
    """
    found = REPETITION.match(raw_name)
    if not found:
        return raw_name
    if found[2] != "1":
        raise FMError("111")
    return found[1]


def layout_field(layout: Layout, table: Table, raw_name: str) -> Field:
    """The field ``raw_name`` on ``layout`` (``Table::field`` accepted for the layout's table).

    Raises:
        FMError: 102 when the field is not on the layout.
    """
    name = field_name(raw_name)
    prefix = f"{table.name}::"
    if name.startswith(prefix):
        name = name[len(prefix):]
    if name not in layout.field_names:
        raise FMError("102", f"Field is missing: {raw_name}")
    return table.fields[name]


def prepare_write(layout: Layout, table: Table, field_data: Mapping[str, Any],
                  dateformats: int = 0) -> dict[str, Stored]:
    """Convert ``fieldData`` into stored values for ``layout``'s table.

    Raises:
        FMError: 960 when fieldData is not an object, 102 for a field not on the layout,
            111 for a bad repetition, 201 for a field that cannot be modified, and the
            value errors of :func:`emulator.values.to_storage`.
    """
    if not isinstance(field_data, Mapping):
        raise FMError("960", "Parameter is invalid: fieldData")
    fields = [(layout_field(layout, table, name), value) for name, value in field_data.items()]
    for field, _ in fields:
        if not field.modifiable:
            raise FMError("201", f"Field cannot be modified: {field.name}")
    return {field.name: to_storage(field, value, dateformats) for field, value in fields}


def check_not_empty(table: Table, values: Mapping[str, Stored],
                    names: Iterable[str] | None = None) -> None:
    """Every not-empty field among ``names`` (all when None) has a value.

    Raises:
        FMError: 509 naming the first empty field.
    """
    for name in table.fields if names is None else names:
        field = table.fields[name]
        if field.not_empty and not field.is_global and values.get(name, "") == "":
            raise FMError("509", f"Field requires a valid value: {name}")


def check_unique(table: Table, values: Mapping[str, Stored],
                 holders: Callable[[str, Stored], Iterable[int]], own_id: int | None = None,
                 names: Iterable[str] | None = None) -> None:
    """No other record holds the same value in a unique field among ``names``.

    Text compares case-insensitively, as FileMaker does (``values.fold``). Empty values are never
    duplicates. ``holders(field, value)`` gives the ids of the records whose field folds to
    the same value; ``own_id`` is the record being written.

    Raises:
        FMError: 504 naming the first duplicated field.
    """
    unique = [n for n in (table.fields if names is None else names)
              if table.fields[n].unique and values.get(n, "") != ""]
    for name in unique:
        if set(holders(name, values[name])) - {own_id}:
            raise FMError("504", f"Value in field is not unique: {name}")


