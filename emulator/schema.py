"""The schema file (TOML) loaded into frozen objects; errors name the offending key.

Format (see docs/emulator.md)::

    [databases.NAME]
    accounts = [{ name = "user", password = "secret" }]
    [databases.NAME.tables.TABLE.fields]
    Field = { type = "text", unique = true, not_empty = true, numeric_only = false,
              max_chars = 0, modifiable = true, auto_enter = "creation_timestamp",
              global = false }
    [databases.NAME.layouts.LAYOUT]
    table = "TABLE"          # fields = ["A", "B"] to show a subset
    [databases.NAME.scripts]
    "Script Name" = { builtin = "echo" }   # or { callable = "package.module:function" }
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from emulator.defaults import DB_SUFFIX

FIELD_TYPES = ("text", "number", "date", "time", "timestamp", "container")
AUTO_ENTER = ("creation_timestamp", "modification_timestamp", "creation_date",
              "serial", "account_name")
FIELD_KEYS = {"type", "unique", "not_empty", "numeric_only", "max_chars", "modifiable",
              "auto_enter", "global"}


class SchemaError(ValueError):
    """The schema file is invalid; the message names the key."""


@dataclass(frozen=True)
class Field:
    """One field of a table and its validation rules."""

    name: str
    type: str = "text"
    unique: bool = False
    not_empty: bool = False
    numeric_only: bool = False
    max_chars: int = 0
    modifiable: bool = True
    auto_enter: str | None = None
    is_global: bool = False


@dataclass(frozen=True)
class Table:
    """A base table: its fields by name."""

    name: str
    fields: dict[str, Field]


@dataclass(frozen=True)
class Layout:
    """A layout shows some fields of one table."""

    name: str
    table: str
    field_names: tuple[str, ...]


@dataclass(frozen=True)
class ScriptDef:
    """A named script: a built-in name or a ``module:function`` callable, plus options."""

    name: str
    builtin: str | None = None
    callable: str | None = None
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Database:
    """One hosted file."""

    name: str
    accounts: dict[str, str]
    tables: dict[str, Table]
    layouts: dict[str, Layout]
    scripts: dict[str, ScriptDef]

    def global_field(self, qualified: str) -> Field | None:
        """The global field named ``Table::field``, or None."""
        table_name, sep, field_name = qualified.partition("::")
        table = self.tables.get(table_name)
        if not sep or table is None:
            return None
        found = table.fields.get(field_name)
        return found if found is not None and found.is_global else None


@dataclass(frozen=True)
class Schema:
    """All databases of the emulated server."""

    databases: dict[str, Database]

    def resolve(self, spelling: str) -> Database | None:
        """The database a URL spelling names: case-insensitive, with or without ``.fmp12``."""
        name = spelling[: -len(DB_SUFFIX)] if spelling.lower().endswith(DB_SUFFIX) else spelling
        for db_name, db in self.databases.items():
            if db_name.lower() == name.lower():
                return db
        return None


def load_schema(path: Path | str) -> Schema:
    """Read and validate a schema file.

    Raises:
        SchemaError: the file is missing, not TOML, or a key is invalid.
    """
    try:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise SchemaError(f"schema file not found: {path}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise SchemaError(f"schema file {path} is not valid TOML: {exc}") from exc
    return parse_schema(raw)


def parse_schema(raw: dict[str, Any]) -> Schema:
    """Build a Schema from parsed TOML.

    Raises:
        SchemaError: a key is missing or has a bad value.
    """
    dbs = _table(raw, "databases", "databases")
    if not dbs:
        raise SchemaError("databases: at least one database is required")
    return Schema({name: _database(name, _table(dbs, name, f"databases.{name}"))
                   for name in dbs})


def _table(parent: dict[str, Any], key: str, where: str) -> dict[str, Any]:
    value = parent.get(key, {})
    if not isinstance(value, dict):
        raise SchemaError(f"{where}: must be a table")
    return value


def _database(name: str, raw: dict[str, Any]) -> Database:
    where = f"databases.{name}"
    tables = {t: _parse_table(t, _table(_table(raw, "tables", f"{where}.tables"), t,
                                        f"{where}.tables.{t}"), f"{where}.tables.{t}")
              for t in _table(raw, "tables", f"{where}.tables")}
    layouts = {n: _layout(n, v, tables, f"{where}.layouts.{n}")
               for n, v in _table(raw, "layouts", f"{where}.layouts").items()}
    scripts = {n: _script(n, v, f"{where}.scripts.{n}")
               for n, v in _table(raw, "scripts", f"{where}.scripts").items()}
    return Database(name, _accounts(raw.get("accounts", []), f"{where}.accounts"),
                    tables, layouts, scripts)


def _accounts(raw: Any, where: str) -> dict[str, str]:
    if not isinstance(raw, list) or not raw:
        raise SchemaError(f"{where}: a non-empty list of {{name, password}} is required")
    accounts = {}
    for i, item in enumerate(raw):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str) \
                or not isinstance(item.get("password"), str):
            raise SchemaError(f"{where}[{i}]: needs string keys name and password")
        accounts[item["name"]] = item["password"]
    return accounts


def _parse_table(name: str, raw: dict[str, Any], where: str) -> Table:
    fields = _table(raw, "fields", f"{where}.fields")
    if not fields:
        raise SchemaError(f"{where}.fields: at least one field is required")
    return Table(name, {f: _field(f, v, f"{where}.fields.{f}") for f, v in fields.items()})


def _field(name: str, raw: Any, where: str) -> Field:
    if isinstance(raw, str):
        raw = {"type": raw}
    if not isinstance(raw, dict):
        raise SchemaError(f"{where}: must be a type string or a table")
    unknown = set(raw) - FIELD_KEYS
    if unknown:
        raise SchemaError(f"{where}.{sorted(unknown)[0]}: unknown key")
    ftype = raw.get("type", "text")
    if ftype not in FIELD_TYPES:
        raise SchemaError(f"{where}.type: must be one of {', '.join(FIELD_TYPES)}, got {ftype!r}")
    auto = raw.get("auto_enter")
    if auto is not None and auto not in AUTO_ENTER:
        raise SchemaError(f"{where}.auto_enter: must be one of {', '.join(AUTO_ENTER)}")
    max_chars = raw.get("max_chars", 0)
    if not isinstance(max_chars, int) or max_chars < 0:
        raise SchemaError(f"{where}.max_chars: must be an integer >= 0")
    for key in ("unique", "not_empty", "numeric_only", "modifiable", "global"):
        if key in raw and not isinstance(raw[key], bool):
            raise SchemaError(f"{where}.{key}: must be true or false")
    return Field(name, ftype, raw.get("unique", False), raw.get("not_empty", False),
                 raw.get("numeric_only", False), max_chars, raw.get("modifiable", True),
                 auto, raw.get("global", False))


def _layout(name: str, raw: Any, tables: dict[str, Table], where: str) -> Layout:
    if not isinstance(raw, dict) or not isinstance(raw.get("table"), str):
        raise SchemaError(f"{where}.table: a table name is required")
    table = tables.get(raw["table"])
    if table is None:
        raise SchemaError(f"{where}.table: no table named {raw['table']!r}")
    names = raw.get("fields", list(table.fields))
    if not isinstance(names, list):
        raise SchemaError(f"{where}.fields: must be a list of field names")
    for fname in names:
        if fname not in table.fields:
            raise SchemaError(f"{where}.fields: table {table.name} has no field {fname!r}")
    return Layout(name, table.name, tuple(names))


def _script(name: str, raw: Any, where: str) -> ScriptDef:
    if not isinstance(raw, dict):
        raise SchemaError(f"{where}: must be a table with builtin or callable")
    builtin, target = raw.get("builtin"), raw.get("callable")
    if (builtin is None) == (target is None):
        raise SchemaError(f"{where}: exactly one of builtin or callable is required")
    if target is not None and (not isinstance(target, str) or ":" not in target):
        raise SchemaError(f"{where}.callable: must be 'package.module:function'")
    options = {k: v for k, v in raw.items() if k not in ("builtin", "callable")}
    return ScriptDef(name, builtin, target, options)
