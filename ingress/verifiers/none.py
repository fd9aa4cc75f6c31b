"""No authentication. The config layer allows it only together with an IP allowlist."""

from __future__ import annotations

from collections.abc import Sequence

from .base import SignedRequest
from .options import NoOptions, TakesNoOptions


class NoneVerifier(TakesNoOptions):
    kind = "none"
    requires_allowlist = True

    def verify(self, request: SignedRequest, secrets: Sequence[str], options: NoOptions,
               now: float) -> None:
        """Accept every request; never raises."""

    def sign(self, body: bytes, secret: str, now: float, options: NoOptions, *,
             url: str = "", msg_id: str = "") -> dict[str, str]:
        """Return no headers."""
        return {}


VERIFIER = NoneVerifier()
