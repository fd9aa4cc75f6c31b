"""The OpenAPI 3.1 description of the ingress, served at ``/openapi.json``.

Built from :data:`ingress.problems.PROBLEMS`, so every problem type the code can answer is
listed. Source names are not listed: they are configuration, not part of the public surface.
"""

from __future__ import annotations

import json
from typing import Any

from ingress.problems import MEDIA_TYPE, PROBLEMS, TYPE_BASE

REQUEST_ID = {"description": "The request id (echoed from a valid X-Request-Id, else new).",
              "schema": {"type": "string"}}
RETRY_AFTER = {"description": "Seconds to wait before sending again.",
               "schema": {"type": "string", "pattern": "^[0-9]+$"}}
BODY_TYPES = ("application/json", "application/x-www-form-urlencoded", "text/plain",
              "text/xml", "application/xml")


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _problem_response(status: int) -> dict[str, Any]:
    reasons = sorted(r for r, (s, _) in PROBLEMS.items() if s == status)
    headers: dict[str, Any] = {"X-Request-Id": REQUEST_ID}
    if status in (429, 500, 503):
        headers["Retry-After"] = RETRY_AFTER
    return {"description": "Problem: " + ", ".join(reasons), "headers": headers,
            "content": {MEDIA_TYPE: {"schema": _ref("Problem")}}}


def _schemas() -> dict[str, Any]:
    return {
        "Problem": {
            "type": "object", "required": ["type", "title", "status", "detail"],
            "description": "RFC 9457 problem details. `type` is stable per reason.",
            "properties": {
                "type": {"type": "string",
                         "enum": [TYPE_BASE + reason for reason in PROBLEMS]},
                "title": {"type": "string"}, "status": {"type": "integer"},
                "detail": {"type": "string"}, "request_id": {"type": "string"},
                "max_bytes": {"type": "integer"}}},
        "Accepted": {"type": "object", "required": ["id"],
                     "properties": {"id": {"type": "string", "description": "Event id (ULID)"}}},
        "Duplicate": {"type": "object", "required": ["id", "duplicate"],
                      "properties": {"id": {"type": "string",
                                            "description": "The id of the stored original"},
                                     "duplicate": {"const": True}}},
        "ZoomValidation": {"type": "object", "required": ["plainToken", "encryptedToken"],
                           "properties": {"plainToken": {"type": "string"},
                                          "encryptedToken": {"type": "string"}}},
        "Status": {"type": "object", "required": ["status"],
                   "properties": {"status": {"type": "string"}}},
    }


def _receive() -> dict[str, Any]:
    errors = sorted({s for s, _ in PROBLEMS.values()} - {404})
    responses: dict[str, Any] = {
        "202": {"description": "Stored durably; a worker will deliver it.",
                "headers": {"X-Request-Id": REQUEST_ID},
                "content": {"application/json": {"schema": _ref("Accepted")}}},
        "200": {"description": "A duplicate of a stored event (its id), a handshake answer "
                               "(Slack url_verification / ssl_check, Zoom url_validation, "
                               "GitHub ping), or a source's configured static reply.",
                "headers": {"X-Request-Id": REQUEST_ID},
                "content": {"application/json": {"schema": {"oneOf": [
                    _ref("Duplicate"), _ref("ZoomValidation")]}},
                    "text/plain": {"schema": {"type": "string"}}}},
        "404": _problem_response(404),
    }
    responses.update({str(s): _problem_response(s) for s in errors})
    return {
        "summary": "Receive a webhook",
        "description": "Checks, in order: known source, content type, size, IP allowlist, "
                       "signature and timestamp, handshake, rate limit; then stores the raw "
                       "body durably before answering 2xx. See docs/ingress.md.",
        "operationId": "receiveWebhook",
        "parameters": [{"name": "source", "in": "path", "required": True,
                        "description": "The source's name in the configuration.",
                        "schema": {"type": "string"}}],
        "requestBody": {"required": True, "content": {
            t: {"schema": {"type": "object"} if t.endswith("urlencoded") else {}}
            for t in BODY_TYPES}},
        "responses": responses,
    }


def _get(summary: str, op: str, ok: dict[str, Any], *, unready: bool = False) -> dict[str, Any]:
    responses: dict[str, Any] = {"200": {"description": "OK",
                                         "headers": {"X-Request-Id": REQUEST_ID},
                                         "content": {"application/json": {"schema": ok}}}}
    if unready:
        responses["503"] = _problem_response(503)
    return {"get": {"summary": summary, "operationId": op, "responses": responses}}


def document() -> dict[str, Any]:
    """The OpenAPI 3.1 document."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "Hookmaker ingress", "version": "1",
                 "description": "Signed webhooks in, durably stored, delivered to FileMaker."},
        "paths": {
            "/hooks/{source}": {"post": _receive()},
            "/healthz": _get("The process is alive", "healthz", _ref("Status")),
            "/readyz": _get("Redis is reachable", "readyz", _ref("Status"), unready=True),
            "/openapi.json": _get("This document", "openapi", {"type": "object"}),
        },
        "components": {"schemas": _schemas()},
    }


def document_json() -> str:
    return json.dumps(document(), indent=1)
