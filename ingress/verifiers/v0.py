"""The ``v0`` scheme shared by Slack and Zoom.

Signature header ``v0=<hex>`` = HMAC-SHA256(secret, ``"v0:" + timestamp + ":" + raw body``),
with the timestamp (Unix seconds) in a second header.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .base import MalformedSignature, MissingSignature, SignedRequest
from .crypto import (check_match, check_tolerance, hex_hmac, parse_timestamp, require_secrets,
                     utf8)
from .options import check_keys, read_tolerance

PREFIX = "v0="


@dataclass(frozen=True)
class V0Options:
    tolerance_s: float


def v0_signature(secret: str, timestamp: int, body: bytes) -> str:
    """Return ``v0=<hex>`` for ``body`` signed at ``timestamp``."""
    return PREFIX + hex_hmac(utf8(secret), f"v0:{timestamp}:".encode() + body)


class V0Verifier:
    """A ``v0`` verifier for one provider's header names and tolerance rule."""

    requires_allowlist = False

    def __init__(self, kind: str, signature_header: str, timestamp_header: str,
                 default_tolerance_s: float) -> None:
        self.kind = kind
        self.signature_header = signature_header
        self.timestamp_header = timestamp_header
        self.default_tolerance_s = default_tolerance_s

    def parse_options(self, raw: Mapping[str, Any]) -> V0Options:
        """Accepts ``tolerance_s`` (0 disables; checked in both directions). Raises ConfigError."""
        check_keys(self.kind, raw, {"tolerance_s"})
        return V0Options(read_tolerance(raw, self.default_tolerance_s))

    def verify(self, request: SignedRequest, secrets: Sequence[str], options: V0Options,
               now: float) -> None:
        """Raises VerificationFailed (see module docstring); ConfigError if no secret."""
        require_secrets(self.kind, secrets)
        signature = request.header(self.signature_header)
        stamp = request.header(self.timestamp_header)
        if not signature:
            raise MissingSignature(f"{self.signature_header} header is missing")
        if not stamp:
            raise MissingSignature(f"{self.timestamp_header} header is missing")
        timestamp = parse_timestamp(stamp, self.timestamp_header)
        if not signature.strip().startswith(PREFIX):
            raise MalformedSignature(f"{self.signature_header} does not start with 'v0='")
        expected = (v0_signature(s, timestamp, request.body) for s in secrets)
        check_match(expected, [signature.strip()])
        check_tolerance(timestamp, now, options.tolerance_s, reject_future=True)

    def sign(self, body: bytes, secret: str, now: float, options: V0Options, *,
             url: str = "", msg_id: str = "") -> dict[str, str]:
        """Return the signature and timestamp headers for ``body`` at ``now``."""
        timestamp = int(now)
        return {
            self.signature_header: v0_signature(secret, timestamp, body),
            self.timestamp_header: str(timestamp),
        }
