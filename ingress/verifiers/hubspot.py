"""HubSpot v3: ``X-HubSpot-Signature-v3: <base64>`` = HMAC-SHA256(client secret,
method + URI + raw body + timestamp), with ``X-HubSpot-Request-Timestamp`` in **milliseconds**.

HubSpot's docs say to decode some percent-encoded characters of the URI before signing; the
exact table could not be confirmed, so both the URI as received and the decoded form are tried
(both need the secret, so this widens nothing for an attacker). Like hubspot-api-client, only
old timestamps are rejected (300 s).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .base import MissingSignature, SignedRequest
from .crypto import (b64_hmac, check_match, check_tolerance, parse_timestamp, require_secrets,
                     utf8, with_public_url)
from .defaults import DEFAULT_HUBSPOT_TOLERANCE_S
from .options import check_keys, read_tolerance, read_url

HEADER = "X-HubSpot-Signature-v3"
TIMESTAMP_HEADER = "X-HubSpot-Request-Timestamp"
# Characters HubSpot's request-validation guide lists as decoded before signing.
DECODED = {"%3A": ":", "%2F": "/", "%3F": "?", "%40": "@", "%21": "!", "%24": "$", "%27": "'",
           "%28": "(", "%29": ")", "%2A": "*", "%2C": ",", "%3B": ";"}


@dataclass(frozen=True)
class HubSpotOptions:
    tolerance_s: float = DEFAULT_HUBSPOT_TOLERANCE_S
    url: str | None = None


def decode_uri(uri: str) -> str:
    """Decode the percent-escapes HubSpot decodes before signing (either hex case)."""
    for escape, char in DECODED.items():
        uri = uri.replace(escape, char).replace(escape.lower(), char)
    return uri


def signature_for(secret: str, method: str, uri: str, body: bytes, timestamp: str) -> str:
    """Return the base64 v3 signature."""
    message = utf8(method.upper() + uri) + body + utf8(timestamp)
    return b64_hmac(utf8(secret), message)


class HubSpotVerifier:
    kind = "hubspot"
    requires_allowlist = False

    def parse_options(self, raw: Mapping[str, Any]) -> HubSpotOptions:
        """Accepts ``tolerance_s`` (default 300) and ``url`` (public URL). Raises ConfigError."""
        check_keys(self.kind, raw, {"tolerance_s", "url"})
        return HubSpotOptions(read_tolerance(raw, DEFAULT_HUBSPOT_TOLERANCE_S), read_url(raw))

    def verify(self, request: SignedRequest, secrets: Sequence[str], options: HubSpotOptions,
               now: float) -> None:
        """Raises VerificationFailed (see module docstring); ConfigError if no secret."""
        require_secrets(self.kind, secrets)
        value = request.header(HEADER)
        stamp = request.header(TIMESTAMP_HEADER)
        if not value:
            raise MissingSignature(f"{HEADER} header is missing")
        if not stamp:
            raise MissingSignature(f"{TIMESTAMP_HEADER} header is missing")
        stamp = stamp.strip()
        timestamp_ms = parse_timestamp(stamp, TIMESTAMP_HEADER)
        url = with_public_url(request.url, options.url)
        uris = dict.fromkeys([decode_uri(url), url])
        expected = (signature_for(s, request.method, u, request.body, stamp)
                    for s in secrets for u in uris)
        check_match(expected, [value.strip()])
        check_tolerance(timestamp_ms / 1000, now, options.tolerance_s, reject_future=False)

    def sign(self, body: bytes, secret: str, now: float, options: HubSpotOptions, *,
             url: str = "", msg_id: str = "") -> dict[str, str]:
        """Return the v3 headers for a POST of ``body`` to ``url`` at ``now``."""
        stamp = str(int(now * 1000))
        uri = decode_uri(with_public_url(url, options.url))
        return {HEADER: signature_for(secret, "POST", uri, body, stamp),
                TIMESTAMP_HEADER: stamp}


VERIFIER = HubSpotVerifier()
