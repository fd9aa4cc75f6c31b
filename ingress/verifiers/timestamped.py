"""One scheme, two senders: ``<ts-key>=<unix><sep><scheme>=<hex>[<sep><scheme>=<hex>…]``,
an HMAC-SHA256 (hex) of ``"{ts}<glue>{body}"`` keyed with the secret string as UTF-8.

Stripe (``t=…,v1=…`` over ``"{t}.{body}"``) and Paddle Billing (``ts=…;h1=…`` over
``"{ts}:{body}"``) differ only in those characters and their tolerance. Entries of other
schemes (Stripe's ``v0``, a future ``h2``) are skipped, not fatal. Like both SDKs, only old
timestamps are rejected.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .base import MalformedSignature, MissingSignature, SignedRequest
from .crypto import check_match, check_tolerance, hex_hmac, parse_timestamp, require_secrets, utf8
from .options import check_keys, read_tolerance


@dataclass(frozen=True)
class TimestampedOptions:
    tolerance_s: float


@dataclass(frozen=True)
class TimestampedHmacVerifier:
    """The scheme, with one sender's header name, separators and default tolerance."""

    kind: str
    header: str
    separator: str          # between header entries
    timestamp_key: str
    scheme: str             # the signature entries checked
    glue: str               # between timestamp and body in the signed string
    default_tolerance_s: float
    requires_allowlist: bool = False

    def parse_header(self, value: str) -> tuple[int, list[str]]:
        """Split the header into its timestamp and its signatures of ``scheme``.

        Raises:
            MalformedSignature: no integer timestamp, or no signature of ``scheme``.
        """
        timestamp: int | None = None
        signatures: list[str] = []
        for item in value.split(self.separator):
            key, sep, val = item.strip().partition("=")
            if not sep:
                continue
            if key == self.timestamp_key and timestamp is None:
                timestamp = parse_timestamp(val, f"{self.header} {self.timestamp_key}")
            elif key == self.scheme:
                signatures.append(val.strip())
        if timestamp is None:
            raise MalformedSignature(f"{self.header} has no timestamp")
        if not signatures:
            raise MalformedSignature(f"{self.header} has no {self.scheme} signature")
        return timestamp, signatures

    def parse_options(self, raw: Mapping[str, Any]) -> TimestampedOptions:
        """Accepts ``tolerance_s`` (0 disables). Raises ConfigError."""
        check_keys(self.kind, raw, {"tolerance_s"})
        return TimestampedOptions(read_tolerance(raw, self.default_tolerance_s))

    def _signed(self, timestamp: int, body: bytes) -> bytes:
        return f"{timestamp}{self.glue}".encode() + body

    def verify(self, request: SignedRequest, secrets: Sequence[str],
               options: TimestampedOptions, now: float) -> None:
        """Raises VerificationFailed (see module docstring); ConfigError if no secret."""
        require_secrets(self.kind, secrets)
        value = request.header(self.header)
        if not value:
            raise MissingSignature(f"{self.header} header is missing")
        timestamp, received = self.parse_header(value)
        signed = self._signed(timestamp, request.body)
        check_match((hex_hmac(utf8(s), signed) for s in secrets), received)
        check_tolerance(timestamp, now, options.tolerance_s, reject_future=False)

    def sign(self, body: bytes, secret: str, now: float, options: TimestampedOptions, *,
             url: str = "", msg_id: str = "") -> dict[str, str]:
        """Return the header a real sender would add for ``body`` at ``now``."""
        timestamp = int(now)
        signature = hex_hmac(utf8(secret), self._signed(timestamp, body))
        return {self.header: f"{self.timestamp_key}={timestamp}{self.separator}"
                             f"{self.scheme}={signature}"}
