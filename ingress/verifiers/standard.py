"""Standard Webhooks (and Svix): ``webhook-signature: v1,<b64> [v1,<b64> …]``.

Signed string ``"{webhook-id}.{webhook-timestamp}.{raw body}"``, HMAC-SHA256 keyed with the
base64-decoded secret (after stripping ``whsec_``). ``svix-*`` headers are accepted and win
over ``webhook-*``, as in the Svix libraries. Entries of other schemes (``v1a``) are skipped.
The timestamp must be within the tolerance in both directions.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from shared.errors import ConfigError

from .base import MalformedSignature, MissingSignature, SignedRequest
from .crypto import b64_hmac, check_match, check_tolerance, parse_timestamp, require_secrets, utf8
from .defaults import DEFAULT_STANDARD_TOLERANCE_S
from .options import check_keys, read_tolerance

SECRET_PREFIX = "whsec_"
SCHEME = "v1"
PREFIXES = ("svix", "webhook")


@dataclass(frozen=True)
class StandardOptions:
    tolerance_s: float = DEFAULT_STANDARD_TOLERANCE_S


def decode_secret(secret: str) -> bytes:
    """Return the HMAC key of a ``whsec_<base64>`` secret (the prefix is optional).

    Raises:
        ConfigError: if the secret is not base64 (the message does not quote it).
    """
    text = secret[len(SECRET_PREFIX):] if secret.startswith(SECRET_PREFIX) else secret
    try:
        return base64.b64decode(text)
    except (binascii.Error, ValueError) as exc:
        raise ConfigError("a Standard Webhooks secret is not valid base64") from exc


def _headers(request: SignedRequest) -> tuple[str, str, str]:
    """Return (id, timestamp, signature), taken from svix-* if present, else webhook-*.

    Raises:
        MissingSignature: if any of the three headers is absent.
    """
    for prefix in PREFIXES:
        values = [request.header(f"{prefix}-{name}") for name in ("id", "timestamp", "signature")]
        if any(values):
            missing = [n for n, v in zip(("id", "timestamp", "signature"), values) if not v]
            if missing:
                raise MissingSignature(f"{prefix}-{missing[0]} header is missing")
            return values[0], values[1], values[2]  # type: ignore[return-value]
    raise MissingSignature("webhook-signature header is missing")


def _signatures(value: str) -> list[str]:
    """Return the base64 parts of the ``v1,…`` entries; other schemes are skipped.

    Raises:
        MalformedSignature: if no ``v1`` entry is present.
    """
    found = []
    for entry in value.split():
        scheme, sep, signature = entry.partition(",")
        if sep and scheme == SCHEME:
            found.append(signature)
    if not found:
        raise MalformedSignature("webhook-signature has no v1 entry")
    return found


def signature_for(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """Return the base64 ``v1`` signature (without the ``v1,`` tag)."""
    return b64_hmac(decode_secret(secret), utf8(f"{msg_id}.{timestamp}.") + body)


class StandardVerifier:
    kind = "standard"
    requires_allowlist = False

    def parse_options(self, raw: Mapping[str, Any]) -> StandardOptions:
        """Accepts ``tolerance_s`` (default 300, both directions). Raises ConfigError."""
        check_keys(self.kind, raw, {"tolerance_s"})
        return StandardOptions(read_tolerance(raw, DEFAULT_STANDARD_TOLERANCE_S))

    def verify(self, request: SignedRequest, secrets: Sequence[str], options: StandardOptions,
               now: float) -> None:
        """Raises VerificationFailed; ConfigError if no secret or a secret is not base64."""
        require_secrets(self.kind, secrets)
        msg_id, stamp, value = _headers(request)
        timestamp = parse_timestamp(stamp, "webhook-timestamp")
        received = _signatures(value)
        check_match((signature_for(s, msg_id, timestamp, request.body) for s in secrets),
                    received)
        check_tolerance(timestamp, now, options.tolerance_s, reject_future=True)

    def sign(self, body: bytes, secret: str, now: float, options: StandardOptions, *,
             url: str = "", msg_id: str = "") -> dict[str, str]:
        """Return the three ``webhook-*`` headers; a missing id is derived from the body."""
        msg_id = msg_id or "msg_" + hashlib.sha256(body).hexdigest()[:24]
        timestamp = int(now)
        signature = signature_for(secret, msg_id, timestamp, body)
        return {"webhook-id": msg_id, "webhook-timestamp": str(timestamp),
                "webhook-signature": f"{SCHEME},{signature}"}


VERIFIER = StandardVerifier()
