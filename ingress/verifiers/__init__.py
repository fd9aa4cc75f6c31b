"""Webhook verifiers, one module per scheme, keyed by the config's ``verifier`` kind.

Usage: ``v = get_verifier(kind); opts = v.parse_options(table); v.verify(req, secrets, opts,
now)``. Every verifier is pure: the caller passes the raw request and ``now``.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from shared.errors import ConfigError

from . import (apikey, basic, bearer, github, hmac, hubspot, none, paddle, shopify, slack,
               square, standard, stripe, twilio, zoom)
from .base import (BadCredentials, CaseInsensitiveHeaders, MalformedSignature,
                   MissingSignature, SignatureMismatch, SignedRequest, TimestampOutOfRange,
                   VerificationFailed, Verifier)

__all__ = [
    "VERIFIERS", "get_verifier", "Verifier", "SignedRequest", "CaseInsensitiveHeaders",
    "VerificationFailed", "MissingSignature", "MalformedSignature", "SignatureMismatch",
    "TimestampOutOfRange", "BadCredentials",
]

_MODULES = (stripe, github, slack, shopify, standard, twilio, zoom, square, paddle, hubspot,
            hmac, apikey, basic, bearer, none)

VERIFIERS: Mapping[str, Verifier] = MappingProxyType(
    {module.VERIFIER.kind: module.VERIFIER for module in _MODULES})


def get_verifier(kind: str) -> Verifier:
    """Return the verifier registered under ``kind``.

    Raises:
        ConfigError: for an unknown kind, listing the known ones.
    """
    try:
        return VERIFIERS[kind]
    except (KeyError, TypeError):
        known = ", ".join(VERIFIERS)
        raise ConfigError(f"unknown verifier {kind!r} (known: {known})") from None
