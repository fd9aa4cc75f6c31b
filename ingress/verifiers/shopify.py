"""Shopify: ``X-Shopify-Hmac-Sha256: <base64>`` = HMAC-SHA256(client secret, raw body).

The unprefixed ``shopify-hmac-sha256`` header of the Events product is accepted too. No
timestamp: dedupe on ``X-Shopify-Webhook-Id``. Keep the old secret configured for at least an
hour after a rotation.
"""

from __future__ import annotations

from collections.abc import Sequence

from .base import MissingSignature, SignedRequest
from .crypto import b64_hmac, check_match, require_secrets, utf8
from .options import NoOptions, TakesNoOptions

HEADER = "X-Shopify-Hmac-Sha256"
EVENTS_HEADER = "shopify-hmac-sha256"
ID_HEADER = "X-Shopify-Webhook-Id"


class ShopifyVerifier(TakesNoOptions):
    kind = "shopify"
    requires_allowlist = False

    def verify(self, request: SignedRequest, secrets: Sequence[str], options: NoOptions,
               now: float) -> None:
        """Raises VerificationFailed (see module docstring); ConfigError if no secret."""
        require_secrets(self.kind, secrets)
        value = request.header(HEADER) or request.header(EVENTS_HEADER)
        if not value:
            raise MissingSignature(f"{HEADER} header is missing")
        check_match((b64_hmac(utf8(s), request.body) for s in secrets), [value.strip()])

    def sign(self, body: bytes, secret: str, now: float, options: NoOptions, *,
             url: str = "", msg_id: str = "") -> dict[str, str]:
        """Return the HMAC header, plus the webhook id when given."""
        headers = {HEADER: b64_hmac(utf8(secret), body)}
        if msg_id:
            headers[ID_HEADER] = msg_id
        return headers


VERIFIER = ShopifyVerifier()
