"""The request a verifier sees, the errors it raises, and the ``Verifier`` protocol.

Everything here is pure: no framework objects, no clock, no network. The caller passes the
raw body, the headers, the URL as the sender used it, and ``now``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from shared.errors import Invalid


class CaseInsensitiveHeaders(Mapping[str, str]):
    """A read-only header mapping whose lookups ignore case. The first value of a name wins."""

    def __init__(self, items: Mapping[str, str] | Iterable[tuple[str, str]] = ()) -> None:
        pairs = items.items() if hasattr(items, "items") else items
        self._data: dict[str, tuple[str, str]] = {}
        for name, value in pairs:
            self._data.setdefault(str(name).lower(), (str(name), str(value)))

    def __getitem__(self, name: str) -> str:
        return self._data[name.lower()][1]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._data

    def __iter__(self) -> Iterator[str]:
        return (original for original, _ in self._data.values())

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return f"CaseInsensitiveHeaders({dict(self.items())!r})"


@dataclass(frozen=True)
class SignedRequest:
    """One incoming delivery, exactly as received.

    ``url`` is the full URL the sender used (scheme, host, path and query; Twilio, Square and
    HubSpot sign it). ``headers`` is wrapped into a case-insensitive mapping. ``form`` holds the
    parsed parameters of an urlencoded body, when the caller has them.
    """

    method: str
    url: str
    headers: Mapping[str, str]
    body: bytes
    query: Mapping[str, str] = field(default_factory=dict)
    form: Mapping[str, str] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.headers, CaseInsensitiveHeaders):
            object.__setattr__(self, "headers", CaseInsensitiveHeaders(self.headers))

    def header(self, name: str) -> str | None:
        """Return the header ``name`` (any case), or None when it is absent."""
        return self.headers.get(name)


class VerificationFailed(Invalid):
    """The request is not authentic: reject it. ``reason`` is a stable slug for logs and metrics.

    Messages never hold secret material or the expected signature.
    """

    reason = "verification-failed"


class MissingSignature(VerificationFailed):
    """The signature header (or credential) is absent."""

    reason = "missing-signature"


class MalformedSignature(VerificationFailed):
    """The signature header is present but cannot be parsed."""

    reason = "malformed-signature"


class SignatureMismatch(VerificationFailed):
    """No signature matched any configured secret."""

    reason = "signature-mismatch"


class TimestampOutOfRange(VerificationFailed):
    """The signed timestamp is outside the allowed tolerance."""

    reason = "timestamp-out-of-range"


class BadCredentials(VerificationFailed):
    """A static credential (API key, Basic auth, bearer token) is wrong."""

    reason = "bad-credentials"


@runtime_checkable
class Verifier(Protocol):
    """One webhook authentication scheme.

    ``requires_allowlist`` is True only for schemes that authenticate nothing (``none``).
    """

    kind: str
    requires_allowlist: bool

    def parse_options(self, raw: Mapping[str, Any]) -> Any:
        """Validate the per-source options table. Raises ConfigError naming the key."""
        ...

    def verify(self, request: SignedRequest, secrets: Sequence[str], options: Any,
               now: float) -> None:
        """Accept the request or raise VerificationFailed (ConfigError if no secret is set)."""
        ...

    def sign(self, body: bytes, secret: str, now: float, options: Any, *, url: str = "",
             msg_id: str = "") -> dict[str, str]:
        """Return the headers a real sender would add to this body."""
        ...
