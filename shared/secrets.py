"""Secrets by reference: ``env:NAME`` or ``file:PATH``, never inline in the TOML."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from shared.errors import ConfigError


@dataclass(frozen=True)
class Secret:
    """A resolved secret. Its value never shows in ``repr`` or logs."""

    ref: str
    value: str = field(repr=False)

    def __str__(self) -> str:
        return f"<secret {self.ref}>"


def resolve(ref: object, *, key: str, base_dir: Path,
            environ: Mapping[str, str]) -> Secret:
    """Resolve one reference.

    Raises:
        ConfigError: the value is not a reference, or what it names is missing or empty.
    """
    if not isinstance(ref, str) or ":" not in ref:
        raise ConfigError(f"{key}: secrets go by reference, 'env:NAME' or 'file:PATH', "
                          "never inline")
    scheme, _, name = ref.partition(":")
    if scheme == "env":
        value = environ.get(name)
        if not value:
            raise ConfigError(f"{key}: environment variable {name} is not set (from {ref!r})")
    elif scheme == "file":
        path = Path(name) if Path(name).is_absolute() else base_dir / name
        try:
            value = path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(f"{key}: cannot read secret file {path}: {exc.strerror}") from exc
        if not value:
            raise ConfigError(f"{key}: secret file {path} is empty")
    else:
        raise ConfigError(f"{key}: unknown secret reference {scheme!r}; use env:NAME or file:PATH")
    return Secret(ref=ref, value=value)
