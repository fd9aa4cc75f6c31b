"""Stripe: ``Stripe-Signature: t=<ts>,v1=<hex>[,v1=<hex>…]`` over ``"{t}.{body}"``.

The key is the whole ``whsec_…`` string as UTF-8 (not base64-decoded). Only ``v1`` entries
are checked; ``v0`` and other schemes are skipped. Only old timestamps are rejected.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .base import MalformedSignature, MissingSignature, SignedRequest
from .crypto import check_match, check_tolerance, hex_hmac, parse_timestamp, require_secrets, utf8
from .defaults import DEFAULT_STRIPE_TOLERANCE_S
from .options import check_keys, read_tolerance

HEADER = "Stripe-Signature"
SCHEME = "v1"


@dataclass(frozen=True)
class StripeOptions:
    tolerance_s: float = DEFAULT_STRIPE_TOLERANCE_S


def parse_header(value: str) -> tuple[int, list[str]]:
    """Split a Stripe-Signature header into its timestamp and its ``v1`` signatures.

    Raises:
        MalformedSignature: if there is no integer ``t`` or no ``v1`` entry.
    """
    timestamp: int | None = None
    signatures: list[str] = []
    for item in value.split(","):
        key, sep, val = item.strip().partition("=")
        if not sep:
            continue
        if key == "t" and timestamp is None:
            timestamp = parse_timestamp(val, "Stripe-Signature t")
        elif key == SCHEME:
            signatures.append(val.strip())
    if timestamp is None:
        raise MalformedSignature("Stripe-Signature has no timestamp")
    if not signatures:
        raise MalformedSignature("Stripe-Signature has no v1 signature")
    return timestamp, signatures


class StripeVerifier:
    kind = "stripe"
    requires_allowlist = False

    def parse_options(self, raw: Mapping[str, Any]) -> StripeOptions:
        """Accepts ``tolerance_s`` (default 300; 0 disables). Raises ConfigError."""
        check_keys(self.kind, raw, {"tolerance_s"})
        return StripeOptions(read_tolerance(raw, DEFAULT_STRIPE_TOLERANCE_S))

    def verify(self, request: SignedRequest, secrets: Sequence[str], options: StripeOptions,
               now: float) -> None:
        """Raises VerificationFailed (see module docstring); ConfigError if no secret."""
        require_secrets(self.kind, secrets)
        value = request.header(HEADER)
        if not value:
            raise MissingSignature(f"{HEADER} header is missing")
        timestamp, received = parse_header(value)
        signed = f"{timestamp}.".encode() + request.body
        check_match((hex_hmac(utf8(s), signed) for s in secrets), received)
        check_tolerance(timestamp, now, options.tolerance_s, reject_future=False)

    def sign(self, body: bytes, secret: str, now: float, options: StripeOptions, *,
             url: str = "", msg_id: str = "") -> dict[str, str]:
        """Return the ``Stripe-Signature`` header for ``body`` at ``now``."""
        timestamp = int(now)
        signature = hex_hmac(utf8(secret), f"{timestamp}.".encode() + body)
        return {HEADER: f"t={timestamp},{SCHEME}={signature}"}


VERIFIER = StripeVerifier()
