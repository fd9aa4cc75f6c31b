"""A static bearer token: ``Authorization: Bearer <token>`` (or the same in ``header``).

Several tokens may be configured during rotation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .base import MalformedSignature, MissingSignature, SignedRequest
from .credentials import check_credential
from .crypto import require_secrets
from .defaults import DEFAULT_BEARER_HEADER
from .options import check_keys, read_str


@dataclass(frozen=True)
class BearerOptions:
    header: str = DEFAULT_BEARER_HEADER


class BearerVerifier:
    kind = "bearer"
    requires_allowlist = False

    def parse_options(self, raw: Mapping[str, Any]) -> BearerOptions:
        """Accepts ``header`` (default Authorization). Raises ConfigError."""
        check_keys(self.kind, raw, {"header"})
        return BearerOptions(read_str(raw, "header", DEFAULT_BEARER_HEADER)
                             or DEFAULT_BEARER_HEADER)

    def verify(self, request: SignedRequest, secrets: Sequence[str], options: BearerOptions,
               now: float) -> None:
        """Raises VerificationFailed; ConfigError if no token is configured."""
        require_secrets(self.kind, secrets)
        value = request.header(options.header)
        if not value:
            raise MissingSignature(f"{options.header} header is missing")
        scheme, _, token = value.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise MalformedSignature(f"{options.header} is not a Bearer token")
        check_credential(token.strip(), secrets)

    def sign(self, body: bytes, secret: str, now: float, options: BearerOptions, *,
             url: str = "", msg_id: str = "") -> dict[str, str]:
        """Return the bearer header."""
        return {options.header: f"Bearer {secret}"}


VERIFIER = BearerVerifier()
