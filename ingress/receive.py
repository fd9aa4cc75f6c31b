"""``POST /hooks/<source>``: check, store, wake a worker, answer. Nothing else.

``receive`` takes the request and the ingress's state explicitly, with no framework
globals: :mod:`ingress.hotpath` calls it for every webhook without Flask's request
machinery, and the Flask route (kept for everything the hot path passes on) calls it too.

The order: known source (404), content type (415), declared size (413), IP allowlist (403),
body read up to the limit (413), signature and timestamp (401), handshake (answered inline),
then one atomic Redis step: rate limits (429), dedupe, store, wake-up (503 if Redis does not
confirm), and only then 202 (or 200 for a duplicate).
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from flask import Response
from werkzeug.wrappers import Request

from ingress.accept import Outcome
from ingress.checks import (check_address, check_content_type, check_declared_size,
                            is_slack_ssl_check, read_body)
from ingress.handshakes import detect_handshake
from ingress.problems import Rejected
from ingress.sources import ReadySource
from ingress.verifiers import SignedRequest, VerificationFailed

if TYPE_CHECKING:
    from ingress.app import IngressState

log = logging.getLogger("hookmaker.ingress")

JSON = "application/json"


def receive(state: "IngressState", request: Request, source_name: str) -> Response:
    """Answer one webhook delivery.

    Raises:
        Rejected: the request is refused (answered as problem+json by the caller).
    """
    source = state.sources.get(source_name)
    if source is None:
        raise Rejected("unknown-source", "no source by that name is configured")
    media = check_content_type(request)
    limit = source.config.max_body_bytes
    check_declared_size(request, limit)
    check_address(request, source)
    body = read_body(request, limit)
    if is_slack_ssl_check(source.kind, media, body):
        return Response(b"", status=200, content_type="text/plain; charset=utf-8")
    signed = SignedRequest(method=request.method, url=request.url if source.needs_url else "",
                           headers=request.headers, body=body, query=request.args)
    _verify(source, signed)
    reply = detect_handshake(source.kind, signed, source.secrets[0] if source.secrets else None)
    if reply is not None:
        return Response(reply.body, status=reply.status, content_type=reply.content_type)
    return _answer(source, state.acceptor.accept(source, signed))


def _verify(source: ReadySource, signed: SignedRequest) -> None:
    """Raises Rejected (401, the verifier's reason) unless the request is authentic."""
    try:
        source.verifier.verify(signed, source.secrets, source.options, time.time())
    except VerificationFailed as failure:
        log.info("rejected a %s delivery: %s", source.name, failure.reason)
        raise Rejected(failure.reason, str(failure)) from None


def _answer(source: ReadySource, outcome: Outcome) -> Response:
    if source.reply is not None:
        return Response(source.reply.body, status=source.reply.status,
                        content_type=source.reply.content_type)
    if outcome.duplicate:
        return Response(f'{{"id":"{outcome.id}","duplicate":true}}', status=200,
                        content_type=JSON)
    return Response(f'{{"id":"{outcome.id}"}}', status=202, content_type=JSON)
