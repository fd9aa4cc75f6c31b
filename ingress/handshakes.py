"""Handshakes a sender expects answered inline, detected **after** the request is verified.

- Slack ``url_verification``: echo ``challenge`` as text/plain.
- Slack ``ssl_check=1`` (form): answer 200, empty.
- Zoom ``endpoint.url_validation``: answer ``{"plainToken", "encryptedToken"}`` where
  ``encryptedToken`` is hex HMAC-SHA256(secret, plainToken).
- GitHub ``ping`` (``X-GitHub-Event: ping``): answer 200, not routed.

Anything else returns None: route the delivery as usual. Hostile bodies never raise.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from ingress.presets import NOT_PARSED, load_json
from ingress.verifiers.base import SignedRequest
from ingress.verifiers.crypto import hex_hmac, utf8
from shared.errors import ConfigError

TEXT = "text/plain; charset=utf-8"
JSON = "application/json"


@dataclass(frozen=True)
class HandshakeReply:
    status: int
    body: bytes
    content_type: str


def _json_dict(request: SignedRequest, parsed_body: Any) -> dict[str, Any]:
    document = load_json(request.body) if parsed_body is NOT_PARSED else parsed_body
    return document if isinstance(document, dict) else {}


def _slack_ssl_check(request: SignedRequest) -> bool:
    if request.form is not None:
        return request.form.get("ssl_check") == "1"
    if request.body[:1] in (b"{", b"["):
        return False
    fields = parse_qs(request.body.decode("utf-8", "replace"))
    return fields.get("ssl_check") == ["1"]


def _slack(request: SignedRequest, parsed_body: Any) -> HandshakeReply | None:
    if _slack_ssl_check(request):
        return HandshakeReply(200, b"", TEXT)
    document = _json_dict(request, parsed_body)
    challenge = document.get("challenge")
    if document.get("type") == "url_verification" and isinstance(challenge, str):
        return HandshakeReply(200, utf8(challenge), TEXT)
    return None


def _zoom(request: SignedRequest, secret: str | None, parsed_body: Any) -> HandshakeReply | None:
    document = _json_dict(request, parsed_body)
    payload = document.get("payload")
    if document.get("event") != "endpoint.url_validation" or not isinstance(payload, dict):
        return None
    token = payload.get("plainToken")
    if not isinstance(token, str):
        return None
    if not secret:
        raise ConfigError("a zoom source needs its secret to answer endpoint.url_validation")
    encrypted = hex_hmac(utf8(secret), utf8(token))
    body = json.dumps({"plainToken": token, "encryptedToken": encrypted})
    return HandshakeReply(200, utf8(body), JSON)


def _github(request: SignedRequest) -> HandshakeReply | None:
    if (request.header("X-GitHub-Event") or "").strip() == "ping":
        return HandshakeReply(200, b"pong", TEXT)
    return None


def detect_handshake(kind: str, request: SignedRequest, secret: str | None, *,
                     parsed_body: Any = NOT_PARSED) -> HandshakeReply | None:
    """Return the inline reply to a verified handshake request, or None for a normal delivery.

    ``secret`` is the (current) source secret, needed only by Zoom. ``parsed_body`` avoids a
    second JSON parse when the caller already has one.

    Raises:
        ConfigError: for a Zoom validation when no secret is given.
    """
    if kind == "slack":
        return _slack(request, parsed_body)
    if kind == "zoom":
        return _zoom(request, secret, parsed_body)
    if kind == "github":
        return _github(request)
    return None
