"""``POST /hooks/<source>``: check, store, wake a worker, answer. Nothing else.

The order of checks is the architecture's: known source, content type and size, IP
allowlist, signature and timestamp, handshake, durable store, wake-up, 202.
"""

from __future__ import annotations

import logging
import time
from typing import Mapping
from urllib.parse import parse_qsl

import redis
from flask import Request, Response, current_app, g, jsonify, request

from ingress.handshakes import detect_handshake
from ingress.presets import dedupe_key, event_type, load_json
from ingress.problems import problem
from ingress.sources import ReadySource, accepted, media_type
from ingress.verifiers import SignedRequest, VerificationFailed
from shared.envelope import Envelope, new_ulid

log = logging.getLogger("hookmaker.ingress")

DROPPED_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie"})


class Rejected(Exception):
    """A check failed; ``response`` is the problem+json answer."""

    def __init__(self, response: Response) -> None:
        self.response = response


def receive(source_name: str) -> Response:
    state = current_app.extensions["hookmaker"]
    source = state.sources.get(source_name)
    if source is None:
        return problem("unknown-source", f"no source named {source_name!r} is configured",
                       request_id=g.request_id)
    try:
        signed = _checked_request(source)
    except Rejected as rejected:
        return rejected.response
    reply = detect_handshake(source.config.verifier, signed,
                             source.secrets[0] if source.secrets else None)
    if reply is not None:
        return Response(reply.body, status=reply.status, content_type=reply.content_type)
    return _store_and_wake(state, source, signed)


def _checked_request(source: ReadySource) -> SignedRequest:
    """Content type, size, allowlist and signature, in that order.

    Raises:
        Rejected: with the problem+json to answer.
    """
    rid = g.request_id
    if not accepted(request.content_type):
        raise Rejected(problem("unsupported-media-type",
                               f"content type {media_type(request.content_type) or '(none)'!r}"
                               " is not accepted; send JSON, form-encoded, text or XML",
                               request_id=rid))
    body = _read_body(request, source.config.max_body_bytes)
    if not source.allows(client_address(request, source.config.trusted_proxies)):
        raise Rejected(problem("ip-not-allowed", "this sender's address is not on the "
                               "source's allowlist", request_id=rid))
    signed = SignedRequest(method=request.method, url=request.url, headers=request.headers,
                           body=body, query=request.args.to_dict(), form=_form(body))
    try:
        source.verifier.verify(signed, source.secrets, source.options, time.time())
    except VerificationFailed as failure:
        log.info("rejected %s delivery: %s", source.name, failure.reason)
        raise Rejected(problem(failure.reason, str(failure), request_id=rid)) from None
    return signed


def _read_body(req: Request, limit: int) -> bytes:
    if req.content_length is not None and req.content_length > limit:
        raise Rejected(problem("body-too-large", f"the body is over {limit} bytes",
                               request_id=g.request_id, max_bytes=limit))
    body = req.stream.read(limit + 1)
    if len(body) > limit:
        raise Rejected(problem("body-too-large", f"the body is over {limit} bytes",
                               request_id=g.request_id, max_bytes=limit))
    return body


def _form(body: bytes) -> Mapping[str, str] | None:
    if media_type(request.content_type) != "application/x-www-form-urlencoded":
        return None
    return dict(parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True))


def client_address(req: Request, trusted_proxies: int) -> str:
    """The sender's address, trusting ``trusted_proxies`` hops of X-Forwarded-For."""
    remote = req.remote_addr or ""
    if trusted_proxies <= 0:
        return remote
    hops = [h.strip() for h in req.headers.get("X-Forwarded-For", "").split(",") if h.strip()]
    chain = hops + [remote]
    return chain[max(0, len(chain) - 1 - trusted_proxies)]


def _store_and_wake(state, source: ReadySource, signed: SignedRequest) -> Response:
    now = time.time()
    parsed = load_json(signed.body) if media_type(request.content_type).endswith("json") \
        else None
    envelope = Envelope(
        id=new_ulid(now), source=source.name, received_at=now, body=signed.body,
        headers={k: v for k, v in request.headers.items() if k.lower() not in DROPPED_HEADERS},
        content_type=request.content_type or "",
        dedupe_key=dedupe_key(source.dedupe, signed, parsed_body=parsed),
        event_type=event_type(source.config.verifier, signed, parsed_body=parsed))
    try:
        holder = state.store.accept(envelope, poke_after_s=state.poke_after_s)
    except redis.RedisError as exc:
        log.warning("event store unavailable: %s", type(exc).__name__)
        return problem("store-unavailable", "the event was not stored; send it again later",
                       request_id=g.request_id, retry_after_s=state.retry_after_s)
    if holder is not None:
        return jsonify(id=holder, duplicate=True)
    try:
        state.wakeups.publish(envelope.id)
    except Exception:       # noqa: BLE001 - best effort: the reconciler catches what is missed
        log.warning("event %s stored; its wake-up was not published (the reconciler will)",
                    envelope.id)
    return Response(f'{{"id":"{envelope.id}"}}', status=202, content_type="application/json")
