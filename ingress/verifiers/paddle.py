"""Paddle Billing: ``Paddle-Signature: ts=<unix>;h1=<hex>[;h1=<hex>…]`` over ``"{ts}:{body}"``.

HMAC-SHA256 keyed with the notification secret string as-is. Unknown keys in the header are
ignored (the Python SDK fails on them; a future ``h2`` must not break us). Like the SDK, only
old timestamps are rejected, with a 5-second default tolerance.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .base import MalformedSignature, MissingSignature, SignedRequest
from .crypto import check_match, check_tolerance, hex_hmac, parse_timestamp, require_secrets, utf8
from .defaults import DEFAULT_PADDLE_TOLERANCE_S
from .options import check_keys, read_tolerance

HEADER = "Paddle-Signature"
SCHEME = "h1"


@dataclass(frozen=True)
class PaddleOptions:
    tolerance_s: float = DEFAULT_PADDLE_TOLERANCE_S


def parse_header(value: str) -> tuple[int, list[str]]:
    """Split a Paddle-Signature header into its timestamp and its ``h1`` signatures.

    Raises:
        MalformedSignature: if there is no integer ``ts`` or no ``h1`` entry.
    """
    timestamp: int | None = None
    signatures: list[str] = []
    for item in value.split(";"):
        key, sep, val = item.strip().partition("=")
        if not sep:
            continue
        if key == "ts" and timestamp is None:
            timestamp = parse_timestamp(val, "Paddle-Signature ts")
        elif key == SCHEME:
            signatures.append(val.strip())
    if timestamp is None:
        raise MalformedSignature("Paddle-Signature has no timestamp")
    if not signatures:
        raise MalformedSignature("Paddle-Signature has no h1 signature")
    return timestamp, signatures


class PaddleVerifier:
    kind = "paddle"
    requires_allowlist = False

    def parse_options(self, raw: Mapping[str, Any]) -> PaddleOptions:
        """Accepts ``tolerance_s`` (default 5, old timestamps only). Raises ConfigError."""
        check_keys(self.kind, raw, {"tolerance_s"})
        return PaddleOptions(read_tolerance(raw, DEFAULT_PADDLE_TOLERANCE_S))

    def verify(self, request: SignedRequest, secrets: Sequence[str], options: PaddleOptions,
               now: float) -> None:
        """Raises VerificationFailed (see module docstring); ConfigError if no secret."""
        require_secrets(self.kind, secrets)
        value = request.header(HEADER)
        if not value:
            raise MissingSignature(f"{HEADER} header is missing")
        timestamp, received = parse_header(value)
        signed = f"{timestamp}:".encode() + request.body
        check_match((hex_hmac(utf8(s), signed) for s in secrets), received)
        check_tolerance(timestamp, now, options.tolerance_s, reject_future=False)

    def sign(self, body: bytes, secret: str, now: float, options: PaddleOptions, *,
             url: str = "", msg_id: str = "") -> dict[str, str]:
        """Return the ``Paddle-Signature`` header for ``body`` at ``now``."""
        timestamp = int(now)
        signature = hex_hmac(utf8(secret), f"{timestamp}:".encode() + body)
        return {HEADER: f"ts={timestamp};{SCHEME}={signature}"}


VERIFIER = PaddleVerifier()
