"""Reading a Data API request: credentials, bearer tokens, JSON bodies, multipart uploads."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from flask import Request

from emulator.errors import FMError

AUTH_MISSING = "HTTP Authorization header or OAuth headers are missing."


def basic_credentials(request: Request) -> tuple[str, str]:
    """(account, password) from ``Authorization: Basic``.

    Raises:
        FMError: 10 (HTTP 401) without the header, 212 when it is not valid Basic auth.
    """
    header = request.headers.get("Authorization", "").strip()
    if not header:
        raise FMError("10", AUTH_MISSING)
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        raise FMError("212", "Authorization header 'Basic' invalid")
    try:
        account, sep, password = base64.b64decode(value.strip(), validate=True).decode(
            "utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise FMError("212", "Authorization header 'Basic' invalid") from exc
    if not sep:
        raise FMError("212", "Authorization header 'Basic' invalid")
    return account, password


def bearer_token(request: Request) -> str:
    """The token from ``Authorization: Bearer``.

    Raises:
        FMError: 10 (HTTP 401) without the header, 952 when it is not a Bearer token.
    """
    header = request.headers.get("Authorization", "").strip()
    if not header:
        raise FMError("10", AUTH_MISSING)
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise FMError("952")
    return token.strip()


def json_body(request: Request) -> dict[str, Any]:
    """The JSON object body; an empty body is ``{}``.

    Raises:
        FMError: HTTP 415 when a body is not ``application/json``, HTTP 400 (1710) when it is
            not valid JSON, 960 when it is not an object.
    """
    raw = request.get_data(cache=True)
    if not raw.strip():
        return {}
    if request.mimetype != "application/json":
        raise FMError("960", "Unsupported Content-Type: use application/json", http_status=415)
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise FMError("1710", http_status=400) from exc
    if not isinstance(body, dict):
        raise FMError("960", "Parameter is invalid: the body must be a JSON object")
    return body


def query_params(request: Request) -> dict[str, Any]:
    """The URL query as a flat dict (first value of each key)."""
    return {key: request.args.get(key) for key in request.args}


def upload_part(request: Request) -> tuple[str, str, bytes] | None:
    """(filename, mime type, bytes) of the multipart part named ``upload``, or None.

    Raises:
        FMError: HTTP 415 when the body is not ``multipart/form-data``.
    """
    if request.mimetype != "multipart/form-data":
        raise FMError("960", "Unsupported Content-Type: use multipart/form-data",
                      http_status=415)
    part = request.files.get("upload")
    if part is None:
        return None
    return (part.filename or "upload", part.mimetype or "application/octet-stream", part.read())
