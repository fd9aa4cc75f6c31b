"""Constant-time comparison of a received static credential against the configured ones."""

from __future__ import annotations

import hmac
from collections.abc import Sequence

from .base import BadCredentials
from .crypto import utf8


def check_credential(received: str | bytes, secrets: Sequence[str]) -> None:
    """Accept if ``received`` equals any secret; every secret is compared, in constant time.

    Raises:
        BadCredentials: if none matches.
    """
    raw = received if isinstance(received, bytes) else utf8(received)
    found = False
    for secret in secrets:
        found |= hmac.compare_digest(raw, utf8(secret))
    if not found:
        raise BadCredentials("credential does not match")
