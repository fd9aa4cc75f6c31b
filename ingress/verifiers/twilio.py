"""Twilio: ``X-Twilio-Signature: <base64>`` = HMAC-SHA1(auth token, URL + sorted params).

The signed string is the full URL as Twilio requested it (query included), then every POST
parameter as ``name + value`` sorted by name (repeated names: each unique value, sorted).
JSON bodies are not in the signature: the URL carries ``bodySHA256=<hex>``, which must equal
the body's SHA-256. As in Twilio's SDKs, the URL is tried with and without the default port.
``algorithm = "sha256"`` covers the newer Webhooks Rules signing.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlsplit

from .base import MissingSignature, SignatureMismatch, SignedRequest
from .crypto import (b64_hmac, check_match, port_variants, require_secrets, utf8,
                     with_public_url)
from .defaults import DEFAULT_TWILIO_ALGORITHM
from .options import check_keys, read_str, read_url

HEADER = "X-Twilio-Signature"
BODY_HASH_PARAM = "bodySHA256"
FORM_TYPE = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class TwilioOptions:
    algorithm: str = DEFAULT_TWILIO_ALGORITHM
    url: str | None = None


def _pairs(params: Mapping[str, Any] | Iterable[tuple[str, str]]) -> list[tuple[str, list[str]]]:
    """Return (name, values) pairs from a mapping, a multi-dict, or a list of pairs."""
    if isinstance(params, Mapping):
        getlist = getattr(params, "getlist", None)
        return [(k, list(getlist(k)) if getlist else [params[k]]) for k in params]
    grouped: dict[str, list[str]] = {}
    for name, value in params:
        grouped.setdefault(name, []).append(value)
    return list(grouped.items())


def signed_string(url: str, params: Mapping[str, Any] | Iterable[tuple[str, str]]) -> str:
    """Return the URL followed by ``name+value`` of every parameter, sorted by name."""
    parts = [url]
    for name, values in sorted(_pairs(params), key=lambda item: item[0]):
        parts.extend(name + str(value) for value in sorted({str(v) for v in values}))
    return "".join(parts)


def _body_hash(url: str) -> str | None:
    """Return the ``bodySHA256`` query value of ``url``, or None."""
    try:
        values = parse_qs(urlsplit(url).query).get(BODY_HASH_PARAM)
    except ValueError:
        return None
    return values[0] if values else None


def _params(request: SignedRequest) -> Mapping[str, Any] | list[tuple[str, str]]:
    """Return the form parameters, parsing an urlencoded body when the caller did not."""
    if request.form is not None:
        return request.form
    content_type = request.header("Content-Type") or ""
    if content_type.split(";")[0].strip().lower() != FORM_TYPE:
        return {}
    text = request.body.decode("utf-8", "replace")
    return parse_qsl(text, keep_blank_values=True)


class TwilioVerifier:
    kind = "twilio"
    requires_allowlist = False

    def parse_options(self, raw: Mapping[str, Any]) -> TwilioOptions:
        """Accepts ``algorithm`` (sha1 | sha256, default sha1) and ``url`` (the public URL
        Twilio calls, when a proxy rewrites it; the request's query is kept). Raises ConfigError.
        """
        check_keys(self.kind, raw, {"algorithm", "url"})
        algorithm = read_str(raw, "algorithm", DEFAULT_TWILIO_ALGORITHM, {"sha1", "sha256"})
        return TwilioOptions(algorithm or DEFAULT_TWILIO_ALGORITHM, read_url(raw))

    def verify(self, request: SignedRequest, secrets: Sequence[str], options: TwilioOptions,
               now: float) -> None:
        """Raises VerificationFailed (see module docstring); ConfigError if no secret."""
        require_secrets(self.kind, secrets)
        value = request.header(HEADER)
        if not value:
            raise MissingSignature(f"{HEADER} header is missing")
        url = with_public_url(request.url, options.url)
        body_hash = _body_hash(url)
        params = {} if body_hash is not None else _params(request)
        strings = [utf8(signed_string(u, params)) for u in port_variants(url)]
        expected = (b64_hmac(utf8(s), m, options.algorithm) for s in secrets for m in strings)
        check_match(expected, [value.strip()])
        if body_hash is not None:
            actual = hashlib.sha256(request.body).hexdigest()
            if not hmac.compare_digest(utf8(body_hash.lower()), actual.encode()):
                raise SignatureMismatch("bodySHA256 does not match the body")

    def sign(self, body: bytes, secret: str, now: float, options: TwilioOptions, *,
             url: str = "", msg_id: str = "") -> dict[str, str]:
        """Return ``X-Twilio-Signature`` for a POST to ``url``.

        If ``url`` carries ``bodySHA256`` only the URL is signed (JSON body); otherwise the
        body is read as urlencoded form parameters.
        """
        url = with_public_url(url, options.url)
        if _body_hash(url) is not None:
            params: list[tuple[str, str]] = []
        else:
            params = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
        message = utf8(signed_string(url, params))
        return {HEADER: b64_hmac(utf8(secret), message, options.algorithm)}


VERIFIER = TwilioVerifier()
