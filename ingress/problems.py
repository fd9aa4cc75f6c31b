"""Errors as RFC 9457 problem+json: a stable ``type`` per reason, no secret material.

Every refusal is raised as :class:`Rejected` with a reason from :data:`PROBLEMS`; the app turns
it into ``application/problem+json`` with the request id. The reason is the last segment of
``type`` and never changes; ``detail`` is for humans and may.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
from typing import Any, Mapping

from flask import Response
from werkzeug.exceptions import HTTPException

log = logging.getLogger("hookmaker.ingress")

TYPE_BASE = "https://hookmaker.dev/problems/"
MEDIA_TYPE = "application/problem+json"

# reason -> (HTTP status, title). The reason is the stable part of ``type``.
PROBLEMS: dict[str, tuple[int, str]] = {
    "bad-request": (400, "Bad request"),
    "missing-signature": (401, "Signature missing"),
    "malformed-signature": (401, "Signature malformed"),
    "signature-mismatch": (401, "Signature does not match"),
    "timestamp-out-of-range": (401, "Signature timestamp outside the allowed window"),
    "bad-credentials": (401, "Credentials rejected"),
    "verification-failed": (401, "Request could not be verified"),
    "ip-not-allowed": (403, "Sender address not allowed"),
    "unknown-source": (404, "No such webhook source"),
    "not-found": (404, "Not found"),
    "method-not-allowed": (405, "Method not allowed"),
    "body-too-large": (413, "Request body too large"),
    "unsupported-media-type": (415, "Unsupported content type"),
    "rate-limited": (429, "Too many requests"),
    "internal": (500, "Internal error"),
    "store-unavailable": (503, "Event store unavailable; retry later"),
}


HTTP_REASONS = {404: "not-found", 405: "method-not-allowed", 413: "body-too-large",
                415: "unsupported-media-type"}
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


class Rejected(Exception):
    """A check refused the request: answer ``reason`` (a key of :data:`PROBLEMS`)."""

    def __init__(self, reason: str, detail: str, *, retry_after_s: int | None = None,
                 headers: Mapping[str, str] | None = None, **extra: Any) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail
        self.retry_after_s = retry_after_s
        self.headers = dict(headers or {})
        self.extra = extra


class ProblemResponse(Response):
    """A problem+json answer that remembers its reason (for the rejection metrics)."""

    def __init__(self, body: str, status: int, reason: str) -> None:
        super().__init__(body, status=status, content_type=MEDIA_TYPE)
        self.reason = reason


def problem(reason: str, detail: str, *, request_id: str = "",
            retry_after_s: int | None = None, headers: Mapping[str, str] | None = None,
            **extra: Any) -> ProblemResponse:
    """A problem+json response for ``reason`` (a key of :data:`PROBLEMS`)."""
    status, title = PROBLEMS[reason]
    body: dict[str, Any] = {"type": TYPE_BASE + reason, "title": title, "status": status,
                            "detail": detail}
    if request_id:
        body["request_id"] = request_id
    body.update(extra)
    response = ProblemResponse(json.dumps(body), status, reason)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    if retry_after_s is not None:
        response.headers["Retry-After"] = str(retry_after_s)
    return response


def from_rejected(rejected: Rejected, request_id: str) -> Response:
    return problem(rejected.reason, rejected.detail, request_id=request_id,
                   retry_after_s=rejected.retry_after_s, headers=rejected.headers,
                   **rejected.extra)


def http_problem(exc: HTTPException, request_id: str) -> Response:
    """A Werkzeug HTTP error (404, 405, a malformed request...) as problem+json."""
    code = exc.code or 500
    reason = HTTP_REASONS.get(code, "internal" if code >= 500 else "bad-request")
    headers = {k: v for k, v in exc.get_headers() if k.lower() == "allow"}
    detail = exc.description if PROBLEMS[reason][0] == code else "the request is malformed"
    return problem(reason, detail or exc.name, request_id=request_id, headers=headers)


def unexpected_problem(request_id: str) -> Response:
    """A bug: logged with its traceback (call from an ``except``), answered 500."""
    log.exception("unexpected error; answered 500 (nothing was acknowledged)")
    return problem("internal", "an unexpected error; the event was not stored",
                   request_id=request_id, retry_after_s=5)


def request_id_for(incoming: str) -> str:
    """The sender's ``X-Request-Id`` when it is sane, else a new one."""
    return incoming if _REQUEST_ID.fullmatch(incoming) else secrets.token_hex(8)
