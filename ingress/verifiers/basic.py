"""HTTP Basic auth: ``Authorization: Basic base64(user:password)``.

Each secret is a ``user:password`` string; several may be configured during rotation.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence

from .base import MalformedSignature, MissingSignature, SignedRequest
from .credentials import check_credential
from .crypto import require_secrets, utf8
from .options import NoOptions, TakesNoOptions

HEADER = "Authorization"


def decode_basic(value: str) -> bytes:
    """Return ``user:password`` bytes from a Basic Authorization header value.

    Raises:
        MalformedSignature: if it is not ``Basic <base64 with a colon inside>``.
    """
    scheme, _, token = value.strip().partition(" ")
    if scheme.lower() != "basic" or not token.strip():
        raise MalformedSignature("Authorization is not Basic credentials")
    try:
        decoded = base64.b64decode(utf8(token.strip()), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise MalformedSignature("Basic credentials are not base64") from exc
    if b":" not in decoded:
        raise MalformedSignature("Basic credentials have no colon")
    return decoded


class BasicVerifier(TakesNoOptions):
    kind = "basic"
    requires_allowlist = False

    def verify(self, request: SignedRequest, secrets: Sequence[str], options: NoOptions,
               now: float) -> None:
        """Raises VerificationFailed; ConfigError if no credential is configured."""
        require_secrets(self.kind, secrets)
        value = request.header(HEADER)
        if not value:
            raise MissingSignature(f"{HEADER} header is missing")
        check_credential(decode_basic(value), secrets)

    def sign(self, body: bytes, secret: str, now: float, options: NoOptions, *,
             url: str = "", msg_id: str = "") -> dict[str, str]:
        """Return the Authorization header for the ``user:password`` secret."""
        return {HEADER: "Basic " + base64.b64encode(utf8(secret)).decode("ascii")}


VERIFIER = BasicVerifier()
