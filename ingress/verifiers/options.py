"""Readers for the per-source ``[sources.<name>.verifier]`` options table.

Each reader raises ``ConfigError`` with a message naming the offending key.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from shared.errors import ConfigError


@dataclass(frozen=True)
class NoOptions:
    """Options of a scheme that takes none."""


class TakesNoOptions:
    """For a scheme that takes no options: ``parse_options`` refuses every key."""

    kind: str

    def parse_options(self, raw: Mapping[str, Any]) -> NoOptions:
        """Accepts no options. Raises ConfigError on any key."""
        check_keys(self.kind, raw, ())
        return NoOptions()


def check_keys(kind: str, raw: Mapping[str, Any], allowed: Collection[str]) -> None:
    """Reject keys the scheme does not know (typos would otherwise be silently ignored).

    Raises:
        ConfigError: naming the first unknown key and listing the allowed ones.
    """
    if not isinstance(raw, Mapping):
        raise ConfigError(f"verifier options for {kind!r} must be a table")
    for key in raw:
        if key not in allowed:
            known = ", ".join(sorted(allowed)) or "none"
            raise ConfigError(f"unknown verifier option {key!r} for {kind!r} (allowed: {known})")


def read_tolerance(raw: Mapping[str, Any], default: float, key: str = "tolerance_s") -> float:
    """Return a non-negative number of seconds (0 disables the check).

    Raises:
        ConfigError: if the value is not a non-negative number.
    """
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ConfigError(f"verifier option {key!r} must be a number of seconds >= 0")
    if value != value or value == float("inf"):
        raise ConfigError(f"verifier option {key!r} must be a finite number")
    return float(value)


def read_str(raw: Mapping[str, Any], key: str, default: str | None,
             choices: Collection[str] | None = None, *, allow_empty: bool = False) -> str | None:
    """Return a string option, checked against ``choices`` when given.

    Raises:
        ConfigError: if the value is not a string, is empty, or is not one of ``choices``.
    """
    value = raw.get(key, default)
    if value is None:
        return None
    if not isinstance(value, str) or (not value and not allow_empty):
        raise ConfigError(f"verifier option {key!r} must be a non-empty string")
    if choices is not None and value not in choices:
        raise ConfigError(f"verifier option {key!r} must be one of {', '.join(sorted(choices))}")
    return value


def read_bool(raw: Mapping[str, Any], key: str, default: bool) -> bool:
    """Return a boolean option.

    Raises:
        ConfigError: if the value is not true or false.
    """
    value = raw.get(key, default)
    if not isinstance(value, bool):
        raise ConfigError(f"verifier option {key!r} must be true or false")
    return value


def read_url(raw: Mapping[str, Any], key: str = "url") -> str | None:
    """Return an absolute http(s) URL option, or None when unset.

    Raises:
        ConfigError: if the value is not an http:// or https:// URL.
    """
    value = read_str(raw, key, None)
    if value is not None and not value.startswith(("http://", "https://")):
        raise ConfigError(f"verifier option {key!r} must be an http:// or https:// URL")
    return value
