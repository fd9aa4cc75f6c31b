"""A static API key in a header (default ``X-API-Key``) or in a query parameter.

For senders without signing (Zapier, Make, Pipedream). Several keys may be configured during
rotation. A key in the query string ends up in access logs: prefer the header.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from shared.errors import ConfigError

from .base import MissingSignature, SignedRequest
from .credentials import check_credential
from .crypto import require_secrets
from .defaults import DEFAULT_APIKEY_HEADER
from .options import check_keys, read_str


@dataclass(frozen=True)
class ApiKeyOptions:
    header: str | None = DEFAULT_APIKEY_HEADER
    query: str | None = None


class ApiKeyVerifier:
    kind = "apikey"
    requires_allowlist = False

    def parse_options(self, raw: Mapping[str, Any]) -> ApiKeyOptions:
        """Accepts ``header`` (default X-API-Key) or ``query``, not both. Raises ConfigError."""
        check_keys(self.kind, raw, {"header", "query"})
        if "header" in raw and "query" in raw:
            raise ConfigError("verifier options 'header' and 'query' are exclusive for 'apikey'")
        query = read_str(raw, "query", None)
        header = None if query else read_str(raw, "header", DEFAULT_APIKEY_HEADER)
        return ApiKeyOptions(header=header, query=query)

    def verify(self, request: SignedRequest, secrets: Sequence[str], options: ApiKeyOptions,
               now: float) -> None:
        """Raises MissingSignature or BadCredentials; ConfigError if no key is configured."""
        require_secrets(self.kind, secrets)
        if options.query:
            received = request.query.get(options.query)
            where = f"query parameter {options.query}"
        else:
            received = request.header(options.header or DEFAULT_APIKEY_HEADER)
            where = f"{options.header} header"
        if not received:
            raise MissingSignature(f"{where} is missing")
        check_credential(str(received).strip(), secrets)

    def sign(self, body: bytes, secret: str, now: float, options: ApiKeyOptions, *,
             url: str = "", msg_id: str = "") -> dict[str, str]:
        """Return the key header. In query mode no header is added: append
        ``?<query>=<key>`` to the URL instead."""
        if options.query:
            return {}
        return {options.header or DEFAULT_APIKEY_HEADER: secret}


VERIFIER = ApiKeyVerifier()
