"""The Data API envelope: ``{"response": {...}, "messages": [{"code": "0", "message": "OK"}]}``.

Codes are always strings; error bodies carry ``"response": {}`` (and start with
``messages``, as captured from real servers).
"""

from __future__ import annotations

import json
from typing import Any

from flask import Response

from emulator.errors import FMError

JSON_MIME = "application/json"
DISABLED_HTML = ("<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>"
                 "<h1>Bad Gateway</h1><p>The FileMaker Data API is not enabled or not "
                 "responding.</p></body></html>")


def ok_body(response: dict[str, Any]) -> dict[str, Any]:
    """A success envelope around ``response``."""
    return {"response": response, "messages": [{"code": "0", "message": "OK"}]}


def error_body(code: str, message: str) -> dict[str, Any]:
    """An error envelope: ``messages`` first, ``response`` empty."""
    return {"messages": [{"code": str(code), "message": message}], "response": {}}


def json_response(body: dict[str, Any], status: int = 200,
                  headers: dict[str, str] | None = None) -> Response:
    """A JSON response, keys in insertion order, UTF-8."""
    data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Response(data, status=status, mimetype=JSON_MIME, headers=headers)


def ok(response: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    """HTTP 200 with a success envelope."""
    return json_response(ok_body(response), 200, headers)


def error(exc: FMError) -> Response:
    """The error envelope for a FileMaker error, with its HTTP status."""
    return json_response(error_body(exc.code, exc.message), exc.http_status)


def disabled() -> Response:
    """What a web server in front of a switched-off Data API answers: 502 with HTML."""
    return Response(DISABLED_HTML, status=502, mimetype="text/html")
