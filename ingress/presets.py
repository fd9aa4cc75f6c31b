"""Where each sender puts its delivery id (the dedupe key) and its event type.

A rule is a preset name (a verifier kind such as ``"stripe"``) or a parsed ``Rule`` built from
the config: ``{header = "X-Id"}``, ``{json = "data.id"}`` (dotted path; list indexes allowed,
``items.0.id``) or ``{sha256 = true}``; a list of those is tried in order. Hostile input never
raises: a dedupe key falls back to the body's SHA-256 hex, an event type to None. The body is
parsed as JSON only when a rule needs it, at most once (or pass ``parsed_body``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ingress.verifiers.base import SignedRequest
from shared.errors import ConfigError

NOT_PARSED: Any = object()  # sentinel: "the caller has not parsed the body"
MAX_VALUE_CHARS = 200  # longer ids are hashed; longer event types are dropped


@dataclass(frozen=True)
class HeaderRule:
    header: str


@dataclass(frozen=True)
class JsonRule:
    path: tuple[str, ...]


@dataclass(frozen=True)
class Sha256Rule:
    pass


Atom = HeaderRule | JsonRule | Sha256Rule


@dataclass(frozen=True)
class Rule:
    """Places to look, in order; the first that yields a value wins."""

    atoms: tuple[Atom, ...]


def _rule(*atoms: Atom) -> Rule:
    return Rule(tuple(atoms))


def _json(path: str) -> JsonRule:
    return JsonRule(tuple(path.split(".")))


SHA256 = _rule(Sha256Rule())
NO_EVENT = _rule()

# kind -> (dedupe rule, event-type rule)
PRESETS: Mapping[str, tuple[Rule, Rule]] = {
    "stripe": (_rule(_json("id")), _rule(_json("type"))),
    "github": (_rule(HeaderRule("X-GitHub-Delivery")), _rule(HeaderRule("X-GitHub-Event"))),
    "slack": (_rule(_json("event_id")), _rule(_json("event.type"), _json("type"))),
    "shopify": (_rule(HeaderRule("X-Shopify-Webhook-Id"), HeaderRule("shopify-webhook-id")),
                _rule(HeaderRule("X-Shopify-Topic"), HeaderRule("shopify-topic"))),
    "standard": (_rule(HeaderRule("svix-id"), HeaderRule("webhook-id")), _rule(_json("type"))),
    "twilio": (_rule(HeaderRule("I-Twilio-Idempotency-Token")), NO_EVENT),
    "zoom": (SHA256, _rule(_json("event"))),
    "square": (_rule(_json("event_id")), _rule(_json("type"))),
    "paddle": (_rule(_json("event_id")), _rule(_json("event_type"))),
    "hubspot": (SHA256, _rule(_json("0.subscriptionType"))),
    "hmac": (SHA256, NO_EVENT),
    "apikey": (SHA256, NO_EVENT),
    "basic": (SHA256, NO_EVENT),
    "bearer": (SHA256, NO_EVENT),
    "none": (SHA256, NO_EVENT),
}


def load_json(body: bytes) -> Any:
    """Parse ``body`` as JSON; None for anything that is not JSON. Never raises."""
    try:
        return json.loads(body)
    except (ValueError, RecursionError, TypeError):
        return None


def _parse_atom(raw: Any, where: str) -> Atom:
    """Raises ConfigError unless ``raw`` is one of the three rule tables."""
    if not isinstance(raw, Mapping) or len(raw) != 1:
        raise ConfigError(f"{where} must be a table with one of 'header', 'json', 'sha256'")
    (key, value), = raw.items()
    if key == "header" and isinstance(value, str) and value.strip():
        return HeaderRule(value.strip())
    if key == "json" and isinstance(value, str):
        path = tuple(value.split("."))
        if all(path):
            return JsonRule(path)
        raise ConfigError(f"{where}.json must be a dotted path without empty parts")
    if key == "sha256" and value is True:
        return Sha256Rule()
    raise ConfigError(f"{where}: {key!r} must be a header name, a json path or sha256 = true")


def parse_rule(raw: Any, where: str = "dedupe") -> str | Rule:
    """Parse a dedupe or event-type rule from the config.

    ``raw`` is a preset name, a rule table, or a list of rule tables. ``where`` names the key
    in error messages.

    Raises:
        ConfigError: naming ``where`` when the rule is not valid.
    """
    if isinstance(raw, str):
        if raw not in PRESETS:
            raise ConfigError(f"{where}: unknown preset {raw!r} (known: {', '.join(PRESETS)})")
        return raw
    if isinstance(raw, list):
        if not raw:
            raise ConfigError(f"{where} must not be an empty list")
        return Rule(tuple(_parse_atom(item, f"{where}[{i}]") for i, item in enumerate(raw)))
    return Rule((_parse_atom(raw, where),))


class _Body:
    """The request body, parsed as JSON on first use only."""

    def __init__(self, request: SignedRequest, parsed: Any) -> None:
        self.request = request
        self._parsed = parsed

    def json(self) -> Any:
        if self._parsed is NOT_PARSED:
            self._parsed = load_json(self.request.body)
        return self._parsed


def _walk(document: Any, path: tuple[str, ...]) -> Any:
    """Follow ``path`` through dicts and lists; None when any step is missing."""
    for part in path:
        if isinstance(document, dict):
            document = document.get(part)
        elif isinstance(document, list) and part.isdecimal() and part.isascii():
            index = int(part)
            document = document[index] if index < len(document) else None
        else:
            return None
    return document


def _scalar(value: Any) -> str | None:
    """Return a usable id or type string from a header or JSON value, else None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, str)):
        text = str(value).strip()
        return text or None
    return None


def _lookup(atom: Atom, body: _Body) -> str | None:
    if isinstance(atom, HeaderRule):
        return _scalar(body.request.header(atom.header))
    if isinstance(atom, JsonRule):
        return _scalar(_walk(body.json(), atom.path))
    return hashlib.sha256(body.request.body).hexdigest()


def _resolve(rule_or_kind: str | Rule, pick: Callable[[tuple[Rule, Rule]], Rule]) -> Rule:
    if isinstance(rule_or_kind, Rule):
        return rule_or_kind
    try:
        return pick(PRESETS[rule_or_kind])
    except KeyError:
        raise ConfigError(f"unknown preset {rule_or_kind!r}") from None


def dedupe_key(rule_or_kind: str | Rule, request: SignedRequest, *,
               parsed_body: Any = NOT_PARSED) -> str:
    """Return the delivery's dedupe key: the first value the rule finds, else the body's
    SHA-256 hex. Values longer than MAX_VALUE_CHARS are replaced by their SHA-256 hex.

    Raises:
        ConfigError: only for an unknown preset name (never for the request's content).
    """
    rule = _resolve(rule_or_kind, lambda pair: pair[0])
    body = _Body(request, parsed_body)
    for atom in rule.atoms:
        value = _lookup(atom, body)
        if value is not None:
            if len(value) > MAX_VALUE_CHARS:
                return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()
            return value
    return hashlib.sha256(request.body).hexdigest()


def event_type(rule_or_kind: str | Rule, request: SignedRequest, *,
               parsed_body: Any = NOT_PARSED) -> str | None:
    """Return the delivery's event type, or None when the rule finds none (or one too long).

    Raises:
        ConfigError: only for an unknown preset name (never for the request's content).
    """
    rule = _resolve(rule_or_kind, lambda pair: pair[1])
    body = _Body(request, parsed_body)
    for atom in rule.atoms:
        if isinstance(atom, Sha256Rule):
            continue
        value = _lookup(atom, body)
        if value is not None:
            return value if len(value) <= MAX_VALUE_CHARS else None
    return None
