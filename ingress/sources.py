"""Sources as the ingress uses them: the config's sources with verifiers and rules ready.

Built once at start-up, so a bad option fails there, with the key named.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any

from ingress.presets import parse_rule
from ingress.verifiers import Verifier, get_verifier
from shared.config import Config, Source
from shared.errors import ConfigError

JSON_TYPES = ("application/json",)
ACCEPTED_TYPES = ("application/json", "application/x-www-form-urlencoded", "text/plain",
                  "text/xml", "application/xml")


@dataclass(frozen=True)
class ReadySource:
    config: Source
    verifier: Verifier
    options: Any
    secrets: tuple[str, ...]
    dedupe: Any                 # a preset name or a parsed rule
    networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]

    @property
    def name(self) -> str:
        return self.config.name

    def allows(self, address: str) -> bool:
        if not self.networks:
            return True
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in net for net in self.networks)


def prepare(config: Config) -> dict[str, ReadySource]:
    """Ready every source.

    Raises:
        ConfigError: an option or rule is wrong; the message names the source's key.
    """
    return {name: _prepare_one(source) for name, source in config.sources.items()}


def _prepare_one(source: Source) -> ReadySource:
    where = f"sources.{source.name}"
    try:
        verifier = get_verifier(source.verifier)
        options = verifier.parse_options(source.options)
        dedupe = parse_rule(source.dedupe if source.dedupe is not None else source.verifier,
                            f"{where}.dedupe")
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from exc
    return ReadySource(
        config=source, verifier=verifier, options=options,
        secrets=tuple(s.value for s in source.secrets), dedupe=dedupe,
        networks=tuple(ipaddress.ip_network(c, strict=False) for c in source.allowlist))


def media_type(content_type: str | None) -> str:
    """``application/json; charset=utf-8`` → ``application/json``."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def accepted(content_type: str | None) -> bool:
    kind = media_type(content_type)
    return kind in ACCEPTED_TYPES or (kind.startswith("application/") and kind.endswith("+json"))
