"""Shared builders for the verifier tests: sign a body with a scheme, wrap it as a request."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ingress.verifiers import SignedRequest, get_verifier

NOW = 1_700_000_000.0
URL = "https://hooks.example.com/in/source?x=1"
SECRET = "s3cret-for-tests"
WRONG = "not-the-secret"
STANDARD_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
STANDARD_WRONG = "whsec_c2Vjb25kLXNlY3JldC1mb3ItdGVzdHMtMTIzNA=="
FORM_BODY = b"CallSid=CA1&From=%2B1555&Body=hello+world"
JSON_BODY = b'{"id": "evt_1", "type": "thing.created", "data": {"id": 7}}'

HMAC_TEMPLATE_OPTIONS = {"signed": "{id}.{timestamp}.{body}", "timestamp_header": "X-Ts",
                         "id_header": "X-Id", "prefix": "v1=", "header": "X-Sig"}

# kind -> (raw options, body, content type)
SIGNED_KINDS: dict[str, tuple[dict[str, Any], bytes, str]] = {
    "stripe": ({}, JSON_BODY, "application/json"),
    "github": ({}, JSON_BODY, "application/json"),
    "slack": ({}, JSON_BODY, "application/json"),
    "shopify": ({}, JSON_BODY, "application/json"),
    "standard": ({}, JSON_BODY, "application/json"),
    "twilio": ({}, FORM_BODY, "application/x-www-form-urlencoded"),
    "zoom": ({}, JSON_BODY, "application/json"),
    "square": ({}, JSON_BODY, "application/json"),
    "paddle": ({}, JSON_BODY, "application/json"),
    "hubspot": ({}, JSON_BODY, "application/json"),
    "hmac": (HMAC_TEMPLATE_OPTIONS, JSON_BODY, "application/json"),
}
CREDENTIAL_KINDS = ("apikey", "basic", "bearer")


def secret_for(kind: str, good: bool = True) -> str:
    """Return a valid secret for ``kind`` (Standard Webhooks needs base64)."""
    if kind == "standard":
        return STANDARD_SECRET if good else STANDARD_WRONG
    if kind == "basic":
        return "user:pa55word" if good else "user:wrong"
    return SECRET if good else WRONG


def request(headers: Mapping[str, str], body: bytes, *, url: str = URL, method: str = "POST",
            content_type: str | None = "application/json", query: Mapping[str, str] | None = None,
            form: Mapping[str, str] | None = None) -> SignedRequest:
    """Build a SignedRequest, adding Content-Type unless told not to."""
    all_headers = dict(headers)
    if content_type:
        all_headers.setdefault("Content-Type", content_type)
    return SignedRequest(method=method, url=url, headers=all_headers, body=body,
                         query=query or {}, form=form)


def signed(kind: str, *, body: bytes | None = None, secret: str | None = None,
           at: float = NOW, raw_options: Mapping[str, Any] | None = None,
           msg_id: str = "msg_123") -> tuple[SignedRequest, Any]:
    """Return (request signed by ``kind``'s own ``sign``, parsed options)."""
    default_options, default_body, content_type = SIGNED_KINDS.get(kind, ({}, JSON_BODY,
                                                                           "application/json"))
    verifier = get_verifier(kind)
    options = verifier.parse_options(default_options if raw_options is None else raw_options)
    payload = default_body if body is None else body
    headers = verifier.sign(payload, secret or secret_for(kind), at, options, url=URL,
                            msg_id=msg_id)
    return request(headers, payload, content_type=content_type), options
