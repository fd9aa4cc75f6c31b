"""Sources as the ingress uses them: the config's sources with verifiers and rules ready.

Built once at start-up, so a bad option or secret fails there, with the key named, and never
on a request.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any

from ingress.presets import PRESETS, JsonRule, Rule, parse_rule
from ingress.ratelimit import gcra
from ingress.verifiers import Verifier, get_verifier
from shared.config import Config, Source
from shared.errors import ConfigError
from shared.eventstore import RateLimit
from shared.keys import Keys

ACCEPTED_TYPES = frozenset({"application/json", "application/x-www-form-urlencoded",
                            "text/plain", "text/xml", "application/xml"})
# never stored with an event: credentials. A source's own credential header is added.
DROPPED_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie"})
CREDENTIAL_KINDS = ("apikey", "bearer")
URL_KINDS = frozenset({"twilio", "square", "hubspot"})   # schemes that sign the URL
PROBE_URL = "https://ingress.invalid/hooks/probe"

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class StaticReply:
    """What a source answers to an accepted (or duplicate) delivery instead of 202 {"id"}."""

    status: int
    body: bytes
    content_type: str


@dataclass(frozen=True)
class ReadySource:
    config: Source
    verifier: Verifier
    options: Any
    secrets: tuple[str, ...]
    dedupe: Any                 # a preset name or a parsed rule
    networks: tuple[Network, ...]
    limit: RateLimit | None = None
    reply: StaticReply | None = None
    dropped_headers: frozenset[str] = DROPPED_HEADERS
    needs_url: bool = True
    parse_json: bool = False    # parse the body once up front: both rules read JSON

    @property
    def name(self) -> str:
        return self.config.name

    @property
    def kind(self) -> str:
        return self.config.verifier

    def allows(self, address: str) -> bool:
        """Is ``address`` on the allowlist (always, when there is none)?"""
        if not self.networks:
            return True
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        return any(ip in net for net in self.networks)


def prepare(config: Config) -> dict[str, ReadySource]:
    """Ready every source.

    Raises:
        ConfigError: an option, rule or secret is wrong; the message names the source's key
            (never the secret).
    """
    keys = Keys(config.redis.prefix)
    return {name: _prepare_one(source, keys) for name, source in config.sources.items()}


def global_limit(config: Config) -> RateLimit | None:
    """The ingress-wide limit over every source, if one is configured."""
    ingress = config.ingress
    if ingress.rate_per_s is None:
        return None
    return gcra(Keys(config.redis.prefix).rate_global, ingress.rate_per_s, ingress.burst)


def _prepare_one(source: Source, keys: Keys) -> ReadySource:
    where = f"sources.{source.name}"
    try:
        verifier = get_verifier(source.verifier)
        options = verifier.parse_options(source.options)
        dedupe = parse_rule(source.dedupe if source.dedupe is not None else source.verifier,
                            f"{where}.dedupe")
        secrets = tuple(s.value for s in source.secrets)
        _check_secrets(verifier, options, secrets)
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from exc
    if verifier.requires_allowlist and not source.allowlist:
        raise ConfigError(f"{where}.verifier: {source.verifier!r} needs an allowlist")
    dropped = DROPPED_HEADERS
    header = getattr(options, "header", None)
    if source.verifier in CREDENTIAL_KINDS and header:
        dropped = dropped | {header.lower()}
    return ReadySource(
        config=source, verifier=verifier, options=options, secrets=secrets, dedupe=dedupe,
        networks=tuple(ipaddress.ip_network(c, strict=False) for c in source.allowlist),
        limit=(gcra(keys.rate(source.name), source.rate_per_s, source.burst)
               if source.rate_per_s else None),
        reply=_reply(source), dropped_headers=dropped,
        needs_url=source.verifier in URL_KINDS, parse_json=_json_twice(dedupe, source.verifier))


def _json_twice(dedupe: Any, kind: str) -> bool:
    """Do both the dedupe rule and the event-type rule read the JSON body?"""
    rules = (dedupe if isinstance(dedupe, Rule) else PRESETS[dedupe][0], PRESETS[kind][1])
    return all(any(isinstance(atom, JsonRule) for atom in rule.atoms) for rule in rules)


def _check_secrets(verifier: Verifier, options: Any, secrets: tuple[str, ...]) -> None:
    """Fail at start-up on what would otherwise fail every request: no secret, a blank one,
    or one the scheme cannot use (a Standard Webhooks secret that is not base64).

    Raises:
        ConfigError: without quoting the secret.
    """
    if verifier.requires_allowlist:
        return
    if not secrets:
        raise ConfigError("secrets: at least one secret is required")
    for i, secret in enumerate(secrets):
        if not secret.strip():
            raise ConfigError(f"secrets[{i}] is empty")
        try:
            verifier.sign(b"{}", secret, 0.0, options, url=PROBE_URL, msg_id="msg_probe")
        except ConfigError as exc:
            raise ConfigError(f"secrets[{i}]: {exc}") from None


def _reply(source: Source) -> StaticReply | None:
    if not source.reply:
        return None
    return StaticReply(status=int(source.reply["status"]),
                       body=str(source.reply["body"]).encode("utf-8"),
                       content_type=str(source.reply["content_type"]))


def media_type(content_type: str | None) -> str:
    """``application/json; charset=utf-8`` → ``application/json``."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def accepted(content_type: str | None) -> bool:
    """JSON, form-encoded, text and XML (including ``+json`` and ``+xml`` types)."""
    kind = media_type(content_type)
    return kind in ACCEPTED_TYPES or (
        kind.startswith("application/") and kind.endswith(("+json", "+xml")))
