"""Errors as RFC 9457 problem+json: a stable ``type`` per reason, no secret material."""

from __future__ import annotations

import json
from typing import Any

from flask import Response

TYPE_BASE = "https://hookmaker.dev/problems/"

# reason -> (HTTP status, title). The reason is the stable part of ``type``.
PROBLEMS: dict[str, tuple[int, str]] = {
    "unknown-source": (404, "No such webhook source"),
    "not-found": (404, "Not found"),
    "method-not-allowed": (405, "Method not allowed"),
    "body-too-large": (413, "Request body too large"),
    "unsupported-media-type": (415, "Unsupported content type"),
    "ip-not-allowed": (403, "Sender address not allowed"),
    "missing-signature": (401, "Signature missing"),
    "malformed-signature": (401, "Signature malformed"),
    "signature-mismatch": (401, "Signature does not match"),
    "timestamp-out-of-range": (401, "Signature timestamp outside the allowed window"),
    "bad-credentials": (401, "Credentials rejected"),
    "verification-failed": (401, "Request could not be verified"),
    "rate-limited": (429, "Too many requests"),
    "bad-request": (400, "Bad request"),
    "store-unavailable": (503, "Event store unavailable; retry later"),
    "internal": (500, "Internal error"),
}


def problem(reason: str, detail: str, *, request_id: str = "",
            retry_after_s: int | None = None, **extra: Any) -> Response:
    """A problem+json response for ``reason`` (a key of :data:`PROBLEMS`)."""
    status, title = PROBLEMS[reason]
    body = {"type": TYPE_BASE + reason, "title": title, "status": status, "detail": detail}
    if request_id:
        body["request_id"] = request_id
    body.update(extra)
    response = Response(json.dumps(body), status=status,
                        content_type="application/problem+json")
    if retry_after_s is not None:
        response.headers["Retry-After"] = str(retry_after_s)
    return response
