"""No authentication. The config layer allows it only together with an IP allowlist."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .base import SignedRequest
from .options import NoOptions, check_keys


class NoneVerifier:
    kind = "none"
    requires_allowlist = True

    def parse_options(self, raw: Mapping[str, Any]) -> NoOptions:
        """Accepts no options. Raises ConfigError on any key."""
        check_keys(self.kind, raw, ())
        return NoOptions()

    def verify(self, request: SignedRequest, secrets: Sequence[str], options: NoOptions,
               now: float) -> None:
        """Accept every request; never raises."""

    def sign(self, body: bytes, secret: str, now: float, options: NoOptions, *,
             url: str = "", msg_id: str = "") -> dict[str, str]:
        """Return no headers."""
        return {}


VERIFIER = NoneVerifier()
