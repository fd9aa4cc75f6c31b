"""The cheap checks before a signature is looked at: content type, size, sender address.

Each raises :class:`~ingress.problems.Rejected`; none touches Redis.
"""

from __future__ import annotations

from urllib.parse import parse_qs

from werkzeug.wrappers import Request

from ingress.problems import Rejected
from ingress.sources import ReadySource, accepted, media_type

READ_CHUNK_BYTES = 64 * 1024
FORM = "application/x-www-form-urlencoded"


def check_content_type(req: Request) -> str:
    """Return the media type when it is one the ingress takes.

    Raises:
        Rejected: ``unsupported-media-type`` (415).
    """
    if not accepted(req.content_type):
        shown = media_type(req.content_type)[:100] or "(none)"
        raise Rejected("unsupported-media-type",
                       f"content type {shown!r} is not accepted; send JSON, form-encoded, "
                       "text or XML")
    return media_type(req.content_type)


def _too_large(limit: int) -> Rejected:
    # Connection: close, so the server does not read the rest of a huge body to reuse it.
    return Rejected("body-too-large", f"the body is over {limit} bytes", max_bytes=limit,
                    headers={"Connection": "close"})


def check_declared_size(req: Request, limit: int) -> None:
    """Refuse a declared Content-Length over ``limit`` before reading anything.

    Raises:
        Rejected: ``body-too-large`` (413).
    """
    if req.content_length is not None and req.content_length > limit:
        raise _too_large(limit)


def read_body(req: Request, limit: int) -> bytes:
    """The raw body, exactly as sent, never reading more than ``limit + 1`` bytes
    (chunked bodies have no Content-Length to check first).

    Raises:
        Rejected: ``body-too-large`` (413).
    """
    stream = req.stream
    chunks: list[bytes] = []
    size = 0
    while size <= limit:
        chunk = stream.read(min(READ_CHUNK_BYTES, limit + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    if size > limit:
        raise _too_large(limit)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def client_address(req: Request, trusted_proxies: int) -> str:
    """The sender's address, trusting ``trusted_proxies`` hops of X-Forwarded-For.

    With N trusted proxies, the address N hops back from the peer is the sender's (each
    proxy appends the address it got the request from). A chain shorter than N means the
    request did not come through the proxies: "" (no address; an allowlist refuses it).
    """
    remote = req.remote_addr or ""
    if trusted_proxies <= 0:
        return remote
    forwarded = ",".join(req.headers.getlist("X-Forwarded-For"))
    hops = [h.strip() for h in forwarded.split(",") if h.strip()]
    if len(hops) < trusted_proxies:
        return ""
    return hops[len(hops) - trusted_proxies]


def check_address(req: Request, source: ReadySource) -> None:
    """Raises Rejected (``ip-not-allowed``, 403) unless the sender is on the allowlist."""
    if source.networks and not source.allows(
            client_address(req, source.config.trusted_proxies)):
        raise Rejected("ip-not-allowed",
                       "this sender's address is not on the source's allowlist")


def is_slack_ssl_check(kind: str, media: str, body: bytes) -> bool:
    """Slack's ``ssl_check=1`` probe: a form post Slack's own Bolt answers before (and
    without) signature verification. It is answered 200 and nothing is stored."""
    if kind != "slack" or media != FORM or b"ssl_check" not in body:
        return False
    try:
        fields = parse_qs(body.decode("utf-8", "replace"), max_num_fields=50)
    except ValueError:
        return False
    return fields.get("ssl_check") == ["1"]
