"""The envelope: what travels from ingress to worker and into the dead-letter store."""

from __future__ import annotations

import base64
import json
import os
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Mapping

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_ulid(now_s: float | None = None) -> str:
    """A ULID: 48 bits of milliseconds then 80 random bits, Crockford base32, sortable."""
    ms = int((time.time() if now_s is None else now_s) * 1000)
    value = (ms << 80) | int.from_bytes(os.urandom(10), "big")
    return "".join(_CROCKFORD[(value >> shift) & 31] for shift in range(125, -1, -5))


@dataclass(frozen=True)
class Attempt:
    """One try at delivery: when, how it ended, and why."""

    at: float
    outcome: str                   # delivered | duplicate | transient | unavailable | ...
    message: str = ""
    code: str | None = None        # FileMaker error code, where there is one
    duration_ms: float | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Attempt":
        return cls(at=data["at"], outcome=data["outcome"], message=data.get("message", ""),
                   code=data.get("code"), duration_ms=data.get("duration_ms"))


@dataclass(frozen=True)
class Envelope:
    """An accepted webhook, exactly as received, plus what the pipeline needs to route it."""

    id: str
    source: str
    received_at: float
    body: bytes
    headers: Mapping[str, str]
    content_type: str = "application/json"
    dedupe_key: str | None = None
    event_type: str | None = None
    original_body: bytes | None = None       # set when support staff edited the body
    attempts: tuple[Attempt, ...] = field(default=())

    def to_json(self) -> str:
        data = asdict(self)
        data["body"] = base64.b64encode(self.body).decode("ascii")
        data["original_body"] = (None if self.original_body is None
                                 else base64.b64encode(self.original_body).decode("ascii"))
        data["headers"] = dict(self.headers)
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str | bytes) -> "Envelope":
        data = json.loads(text)
        original = data.get("original_body")
        return cls(
            id=data["id"], source=data["source"], received_at=data["received_at"],
            body=base64.b64decode(data["body"]), headers=data.get("headers") or {},
            content_type=data.get("content_type", "application/json"),
            dedupe_key=data.get("dedupe_key"), event_type=data.get("event_type"),
            original_body=None if original is None else base64.b64decode(original),
            attempts=tuple(Attempt.from_dict(a) for a in data.get("attempts") or ()),
        )

    def text(self) -> str:
        """The body as text (invalid UTF-8 replaced), for FileMaker fields and display."""
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The body parsed as JSON.

        Raises:
            ValueError: the body is not JSON.
        """
        return json.loads(self.body)
