"""Typed, key-naming reads from a parsed TOML table.

Every error names the dotted key and, where it can be found, the line of the file.
"""

from __future__ import annotations

import re
from typing import Any, Iterable, Mapping

from shared.errors import ConfigError

_MISSING = object()


class Table:
    """One TOML table under a dotted key path, read with typed getters."""

    def __init__(self, data: Mapping[str, Any], path: str, text: str = "") -> None:
        self._data = data
        self.path = path
        self._text = text

    def key(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def fail(self, name: str, problem: str) -> ConfigError:
        where = self.key(name)
        line = find_line(self._text, where)
        return ConfigError(f"{where}{f' (line {line})' if line else ''}: {problem}")

    def has(self, name: str) -> bool:
        return name in self._data

    def raw(self, name: str, default: Any = _MISSING) -> Any:
        if name in self._data:
            return self._data[name]
        if default is _MISSING:
            raise self.fail(name, "is required")
        return default

    def str(self, name: str, default: Any = _MISSING) -> Any:
        value = self.raw(name, default)
        if value is not default and not isinstance(value, str):
            raise self.fail(name, f"must be a string, not {type(value).__name__}")
        return value

    def number(self, name: str, default: Any = _MISSING, *, minimum: float = 0) -> Any:
        value = self.raw(name, default)
        if value is default:
            return value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(name, f"must be a number, not {type(value).__name__}")
        if value < minimum:
            raise self.fail(name, f"must be at least {minimum}")
        return value

    def int(self, name: str, default: Any = _MISSING, *, minimum: int = 0) -> Any:
        value = self.number(name, default, minimum=minimum)
        if value is not default and not isinstance(value, int):
            raise self.fail(name, "must be a whole number")
        return value

    def bool(self, name: str, default: Any = _MISSING) -> Any:
        value = self.raw(name, default)
        if value is not default and not isinstance(value, bool):
            raise self.fail(name, "must be true or false")
        return value

    def strings(self, name: str, default: Any = _MISSING) -> Any:
        value = self.raw(name, default)
        if value is default:
            return value
        if isinstance(value, str):
            return (value,)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(name, "must be a string or a list of strings")
        return tuple(value)

    def choice(self, name: str, choices: Iterable[str], default: Any = _MISSING) -> Any:
        value = self.str(name, default)
        allowed = tuple(choices)
        if value is not default and value not in allowed:
            raise self.fail(name, f"must be one of {', '.join(allowed)}, not {value!r}")
        return value

    def table(self, name: str, *, required: bool = False) -> "Table":
        value = self.raw(name, _MISSING if required else {})
        if not isinstance(value, dict):
            raise self.fail(name, "must be a table")
        return Table(value, self.key(name), self._text)

    def tables(self, name: str) -> list["Table"]:
        value = self.raw(name, [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise self.fail(name, f"must be an array of tables ([[{self.key(name)}]])")
        return [Table(v, f"{self.key(name)}[{i}]", self._text) for i, v in enumerate(value)]

    def items(self) -> Iterable[tuple[str, Any]]:
        return self._data.items()

    def only(self, *allowed: str) -> None:
        """Reject keys this table does not know (typos fail loudly, not silently)."""
        for name in self._data:
            if name not in allowed:
                raise self.fail(name, f"unknown key; expected one of {', '.join(sorted(allowed))}")


def find_line(text: str, dotted: str) -> int | None:
    """Best-effort line number of a dotted key such as ``routes[1].fields.Amount``."""
    if not text:
        return None
    parts = re.findall(r"[^.\[\]]+|\[\d+\]", dotted)
    lines = text.splitlines()
    start, header = 0, []
    for i, part in enumerate(parts):
        if part.startswith("["):
            continue
        index = int(parts[i + 1][1:-1]) if i + 1 < len(parts) and parts[i + 1].startswith("[") else None
        header.append(part)
        found = _find_header(lines, ".".join(header), index, start)
        if found is None:
            key_line = _find_key(lines, part, start)
            return key_line + 1 if key_line is not None else (start + 1 if start else None)
        start = found
    return start + 1


def _find_header(lines: list[str], name: str, index: int | None, start: int) -> int | None:
    pattern = re.compile(rf"^\s*\[\[?\s*{re.escape(name)}\s*\]\]?\s*(#.*)?$")
    seen = -1
    for n in range(start, len(lines)):
        if pattern.match(lines[n]):
            seen += 1
            if index is None or seen == index:
                return n
    return None


def _find_key(lines: list[str], key: str, start: int) -> int | None:
    pattern = re.compile(rf'^\s*"?{re.escape(key)}"?\s*=')
    for n in range(start, len(lines)):
        if n > start and lines[n].lstrip().startswith("["):
            return None
        if pattern.match(lines[n]):
            return n
    return None
