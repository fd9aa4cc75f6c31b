"""Shared pieces of the HMAC schemes: digests, constant-time matching, timestamps, URLs."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Iterable, Sequence
from urllib.parse import urlsplit, urlunsplit

from shared.errors import ConfigError

from .base import MalformedSignature, SignatureMismatch, TimestampOutOfRange

_DIGITS = re.compile(r"[0-9]{1,18}")
ALGORITHMS = {"sha1": hashlib.sha1, "sha256": hashlib.sha256, "sha512": hashlib.sha512}


def hmac_digest(key: bytes, message: bytes, algorithm: str = "sha256") -> bytes:
    """Return the raw HMAC of ``message`` under ``key`` with ``algorithm`` (sha1/256/512)."""
    return hmac.new(key, message, ALGORITHMS[algorithm]).digest()


def hex_hmac(key: bytes, message: bytes, algorithm: str = "sha256") -> str:
    """Return the lowercase hex HMAC."""
    return hmac_digest(key, message, algorithm).hex()


def b64_hmac(key: bytes, message: bytes, algorithm: str = "sha256") -> str:
    """Return the standard, padded base64 HMAC."""
    return base64.b64encode(hmac_digest(key, message, algorithm)).decode("ascii")


def utf8(text: str) -> bytes:
    """Encode any str to bytes without ever raising (lone surrogates pass through)."""
    return text.encode("utf-8", "surrogatepass")


def require_secrets(kind: str, secrets: Sequence[str]) -> None:
    """Raises ConfigError if no secret is configured: that is a setup fault, not a bad request."""
    if not secrets:
        raise ConfigError(f"no secret configured for a {kind!r} verifier")


def any_match(expected: Iterable[str], received: Iterable[str]) -> bool:
    """True if any received value equals any expected value, each compared in constant time."""
    wanted = [utf8(value) for value in expected]
    found = False
    for candidate in received:
        raw = utf8(candidate)
        for value in wanted:
            found |= hmac.compare_digest(raw, value)
    return found


def check_match(expected: Iterable[str], received: Iterable[str]) -> None:
    """Raises SignatureMismatch unless one received signature equals one expected signature."""
    if not any_match(expected, received):
        raise SignatureMismatch("no signature matched a configured secret")


def parse_timestamp(text: str, what: str = "timestamp") -> int:
    """Parse an ASCII decimal integer timestamp.

    Raises:
        MalformedSignature: if ``text`` is not 1-18 ASCII digits.
    """
    stripped = text.strip()
    if not _DIGITS.fullmatch(stripped):
        raise MalformedSignature(f"{what} is not an integer")
    return int(stripped)


def check_tolerance(timestamp_s: float, now: float, tolerance_s: float, *,
                    reject_future: bool) -> None:
    """Check a signed timestamp against ``now``. A tolerance of 0 disables the check.

    Raises:
        TimestampOutOfRange: if older than ``tolerance_s``, or newer when ``reject_future``.
    """
    if not tolerance_s:
        return
    if timestamp_s < now - tolerance_s:
        raise TimestampOutOfRange("timestamp is too old")
    if reject_future and timestamp_s > now + tolerance_s:
        raise TimestampOutOfRange("timestamp is too far in the future")


def with_public_url(request_url: str, public_url: str | None) -> str:
    """Replace scheme, host and path of ``request_url`` with ``public_url``, keeping the query.

    Used when a proxy hides the URL the sender signed. Without ``public_url`` the request URL
    is returned unchanged.
    """
    if not public_url:
        return request_url
    _, _, query = request_url.partition("?")
    if not query or "?" in public_url:
        return public_url
    return f"{public_url}?{query}"


def port_variants(url: str) -> list[str]:
    """Return ``url`` as given, plus with and without the scheme's default port.

    Twilio's SDKs try both because its signing side is inconsistent about the port.
    """
    variants = [url]
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return variants
    default = {"https": 443, "http": 80}.get(parts.scheme)
    if default is None or parts.hostname is None:
        return variants
    userinfo = parts.netloc.rpartition("@")[0]
    host = parts.netloc.rpartition("@")[2]
    if port is None:
        host = f"{host}:{default}"
    elif port == default:
        host = host[: host.rfind(":")]
    else:
        return variants
    netloc = f"{userinfo}@{host}" if userinfo else host
    variants.append(urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment)))
    return variants
