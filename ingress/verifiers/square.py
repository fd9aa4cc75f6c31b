"""Square: ``x-square-hmacsha256-signature: <base64>`` = HMAC-SHA256(signature key,
notification URL + raw body).

The URL must match the subscription's notification URL byte for byte: set ``url`` when a proxy
changes what the ingress sees. No timestamp: dedupe on ``event_id``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .base import MissingSignature, SignedRequest
from .crypto import b64_hmac, check_match, require_secrets, utf8, with_public_url
from .options import check_keys, read_url

HEADER = "x-square-hmacsha256-signature"


@dataclass(frozen=True)
class SquareOptions:
    url: str | None = None


class SquareVerifier:
    kind = "square"
    requires_allowlist = False

    def parse_options(self, raw: Mapping[str, Any]) -> SquareOptions:
        """Accepts ``url`` (the subscription's notification URL). Raises ConfigError."""
        check_keys(self.kind, raw, {"url"})
        return SquareOptions(read_url(raw))

    def verify(self, request: SignedRequest, secrets: Sequence[str], options: SquareOptions,
               now: float) -> None:
        """Raises VerificationFailed (see module docstring); ConfigError if no secret."""
        require_secrets(self.kind, secrets)
        value = request.header(HEADER)
        if not value:
            raise MissingSignature(f"{HEADER} header is missing")
        message = utf8(with_public_url(request.url, options.url)) + request.body
        check_match((b64_hmac(utf8(s), message) for s in secrets), [value.strip()])

    def sign(self, body: bytes, secret: str, now: float, options: SquareOptions, *,
             url: str = "", msg_id: str = "") -> dict[str, str]:
        """Return the signature header for ``body`` posted to ``url``."""
        message = utf8(with_public_url(url, options.url)) + body
        return {HEADER: b64_hmac(utf8(secret), message)}


VERIFIER = SquareVerifier()
