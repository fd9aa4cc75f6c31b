"""Generic, configurable HMAC for senders without a preset.

``header`` carries ``prefix + encode(HMAC-<algorithm>(secret, signed string))``. The signed
string is the raw body (``signed = "body"``) or a template such as ``"{timestamp}.{body}"`` or
``"{id}.{timestamp}.{body}"``, whose ``{timestamp}`` and ``{id}`` come from ``timestamp_header``
and ``id_header``. A signed timestamp (Unix seconds) is checked in both directions.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from shared.errors import ConfigError

from .base import MalformedSignature, MissingSignature, SignedRequest
from .crypto import (b64_hmac, check_match, check_tolerance, hex_hmac, parse_timestamp,
                     require_secrets, utf8)
from .defaults import (DEFAULT_HMAC_ALGORITHM, DEFAULT_HMAC_ENCODING, DEFAULT_HMAC_HEADER,
                       DEFAULT_HMAC_PREFIX, DEFAULT_HMAC_SIGNED, DEFAULT_HMAC_TOLERANCE_S)
from .options import check_keys, read_str, read_tolerance

OPTION_KEYS = {"header", "algorithm", "encoding", "prefix", "signed", "timestamp_header",
               "id_header", "tolerance_s"}
PLACEHOLDERS = ("body", "timestamp", "id")
_TOKEN = re.compile(r"\{([^{}]*)\}")


@dataclass(frozen=True)
class HmacOptions:
    header: str = DEFAULT_HMAC_HEADER
    algorithm: str = DEFAULT_HMAC_ALGORITHM
    encoding: str = DEFAULT_HMAC_ENCODING
    prefix: str = DEFAULT_HMAC_PREFIX
    signed: tuple[str, ...] = ("{body}",)  # literal text and "{name}" placeholders, in order
    timestamp_header: str | None = None
    id_header: str | None = None
    tolerance_s: float = DEFAULT_HMAC_TOLERANCE_S


def parse_template(template: str) -> tuple[str, ...]:
    """Split ``signed`` into literal parts and ``{name}`` placeholders.

    Raises:
        ConfigError: on an unknown placeholder, a stray brace, or not exactly one ``{body}``.
    """
    if template == "body":
        return ("{body}",)
    parts: list[str] = []
    position = 0
    for match in _TOKEN.finditer(template):
        parts.append(template[position:match.start()])
        if match.group(1) not in PLACEHOLDERS:
            raise ConfigError(f"verifier option 'signed' has unknown placeholder {match[0]!r}")
        parts.append(match.group(0))
        position = match.end()
    parts.append(template[position:])
    if any("{" in p or "}" in p for p in parts if p not in {"{body}", "{timestamp}", "{id}"}):
        raise ConfigError("verifier option 'signed' has a stray brace")
    if parts.count("{body}") != 1:
        raise ConfigError("verifier option 'signed' must contain {body} exactly once")
    return tuple(p for p in parts if p)


def _check_headers(signed: tuple[str, ...], timestamp_header: str | None,
                   id_header: str | None) -> None:
    """Raises ConfigError if a placeholder has no header, or a header no placeholder."""
    for name, header in (("timestamp", timestamp_header), ("id", id_header)):
        used = "{" + name + "}" in signed
        if used and header is None:
            raise ConfigError(f"verifier option '{name}_header' is required by 'signed'")
        if header is not None and not used:
            raise ConfigError(f"verifier option '{name}_header' is set but 'signed' "
                              f"does not use {{{name}}}")


def build_message(options: HmacOptions, body: bytes, values: Mapping[str, str]) -> bytes:
    """Return the signed bytes: the template with the body and header values filled in."""
    out = b""
    for part in options.signed:
        if part == "{body}":
            out += body
        elif part in ("{timestamp}", "{id}"):
            out += utf8(values[part[1:-1]])
        else:
            out += utf8(part)
    return out


def encoded_hmac(options: HmacOptions, secret: str, message: bytes) -> str:
    """Return ``prefix`` + the hex or base64 HMAC."""
    encode = hex_hmac if options.encoding == "hex" else b64_hmac
    return options.prefix + encode(utf8(secret), message, options.algorithm)


def _read_values(request: SignedRequest, options: HmacOptions) -> dict[str, str]:
    """Return the timestamp and id header values the template needs.

    Raises:
        MissingSignature: if a needed header is absent.
    """
    values = {}
    for name, header in (("timestamp", options.timestamp_header), ("id", options.id_header)):
        if header is not None:
            value = request.header(header)
            if not value:
                raise MissingSignature(f"{header} header is missing")
            values[name] = value.strip()
    return values


class HmacVerifier:
    kind = "hmac"
    requires_allowlist = False

    def parse_options(self, raw: Mapping[str, Any]) -> HmacOptions:
        """Validate the options listed in the module docstring. Raises ConfigError."""
        check_keys(self.kind, raw, OPTION_KEYS)
        signed = parse_template(read_str(raw, "signed", DEFAULT_HMAC_SIGNED) or "body")
        timestamp_header = read_str(raw, "timestamp_header", None)
        id_header = read_str(raw, "id_header", None)
        _check_headers(signed, timestamp_header, id_header)
        return HmacOptions(
            header=read_str(raw, "header", DEFAULT_HMAC_HEADER) or DEFAULT_HMAC_HEADER,
            algorithm=read_str(raw, "algorithm", DEFAULT_HMAC_ALGORITHM,
                               {"sha1", "sha256", "sha512"}) or DEFAULT_HMAC_ALGORITHM,
            encoding=read_str(raw, "encoding", DEFAULT_HMAC_ENCODING,
                              {"hex", "base64"}) or DEFAULT_HMAC_ENCODING,
            prefix=read_str(raw, "prefix", DEFAULT_HMAC_PREFIX, allow_empty=True) or "",
            signed=signed, timestamp_header=timestamp_header, id_header=id_header,
            tolerance_s=read_tolerance(raw, DEFAULT_HMAC_TOLERANCE_S))

    def verify(self, request: SignedRequest, secrets: Sequence[str], options: HmacOptions,
               now: float) -> None:
        """Raises VerificationFailed (see module docstring); ConfigError if no secret."""
        require_secrets(self.kind, secrets)
        value = request.header(options.header)
        if not value:
            raise MissingSignature(f"{options.header} header is missing")
        values = _read_values(request, options)
        timestamp = None
        if "timestamp" in values:
            timestamp = parse_timestamp(values["timestamp"], options.timestamp_header or "")
        received = value.strip()
        if not received.startswith(options.prefix):
            raise MalformedSignature(f"{options.header} does not start with the prefix")
        if options.encoding == "hex":
            received = options.prefix + received[len(options.prefix):].lower()
        message = build_message(options, request.body, values)
        check_match((encoded_hmac(options, s, message) for s in secrets), [received])
        if timestamp is not None:
            check_tolerance(timestamp, now, options.tolerance_s, reject_future=True)

    def sign(self, body: bytes, secret: str, now: float, options: HmacOptions, *,
             url: str = "", msg_id: str = "") -> dict[str, str]:
        """Return the signature header, plus the timestamp and id headers the template uses."""
        headers: dict[str, str] = {}
        values = {"timestamp": str(int(now)), "id": msg_id or "msg_1"}
        if options.timestamp_header:
            headers[options.timestamp_header] = values["timestamp"]
        if options.id_header:
            headers[options.id_header] = values["id"]
        headers[options.header] = encoded_hmac(options, secret, build_message(options, body,
                                                                             values))
        return headers


VERIFIER = HmacVerifier()
