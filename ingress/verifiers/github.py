"""GitHub: ``X-Hub-Signature-256: sha256=<hex>`` = HMAC-SHA256 of the raw body.

No timestamp: replays are caught by deduplicating ``X-GitHub-Delivery``. The legacy
``X-Hub-Signature: sha1=<hex>`` is accepted only with ``allow_sha1 = true``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .base import MalformedSignature, MissingSignature, SignedRequest
from .crypto import check_match, hex_hmac, require_secrets, utf8
from .defaults import DEFAULT_GITHUB_ALLOW_SHA1
from .options import check_keys, read_bool

HEADER_256 = "X-Hub-Signature-256"
HEADER_SHA1 = "X-Hub-Signature"
DELIVERY_HEADER = "X-GitHub-Delivery"


@dataclass(frozen=True)
class GitHubOptions:
    allow_sha1: bool = DEFAULT_GITHUB_ALLOW_SHA1


def _pick_header(request: SignedRequest, options: GitHubOptions) -> tuple[str, str, str]:
    """Return (algorithm, prefix, value) of the strongest signature header present.

    Raises:
        MissingSignature: if no usable signature header is present.
    """
    value = request.header(HEADER_256)
    if value:
        return "sha256", "sha256=", value
    legacy = request.header(HEADER_SHA1)
    if legacy and options.allow_sha1:
        return "sha1", "sha1=", legacy
    raise MissingSignature(f"{HEADER_256} header is missing")


class GitHubVerifier:
    kind = "github"
    requires_allowlist = False

    def parse_options(self, raw: Mapping[str, Any]) -> GitHubOptions:
        """Accepts ``allow_sha1`` (default false). Raises ConfigError."""
        check_keys(self.kind, raw, {"allow_sha1"})
        return GitHubOptions(read_bool(raw, "allow_sha1", DEFAULT_GITHUB_ALLOW_SHA1))

    def verify(self, request: SignedRequest, secrets: Sequence[str], options: GitHubOptions,
               now: float) -> None:
        """Raises VerificationFailed (see module docstring); ConfigError if no secret."""
        require_secrets(self.kind, secrets)
        algorithm, prefix, value = _pick_header(request, options)
        value = value.strip()
        if not value.startswith(prefix):
            raise MalformedSignature(f"signature header does not start with {prefix!r}")
        received = value[len(prefix):].lower()
        check_match((hex_hmac(utf8(s), request.body, algorithm) for s in secrets), [received])

    def sign(self, body: bytes, secret: str, now: float, options: GitHubOptions, *,
             url: str = "", msg_id: str = "") -> dict[str, str]:
        """Return both signature headers GitHub sends, plus the delivery id when given."""
        key = utf8(secret)
        headers = {
            HEADER_256: "sha256=" + hex_hmac(key, body, "sha256"),
            HEADER_SHA1: "sha1=" + hex_hmac(key, body, "sha1"),
        }
        if msg_id:
            headers[DELIVERY_HEADER] = msg_id
        return headers


VERIFIER = GitHubVerifier()
