"""The ingress app factory: ``create_app(config)``.

Serve it with ``hookmaker ingress`` (gunicorn, or granian). Everything a request needs is
built here, once: sources with their verifiers, rate limits and replies, the pooled Redis
client, the accept script and the wake-up message template. The view's whole job is check,
store, answer (``ingress/receive.py``).
"""

from __future__ import annotations

import logging
import os
import re
import secrets
from dataclasses import dataclass, field

import redis
from flask import Flask, Response, current_app, g, request
from werkzeug.exceptions import HTTPException

from ingress import observe
from ingress.accept import Acceptor
from ingress.openapi import document_json
from ingress.problems import PROBLEMS, Rejected, from_rejected, problem
from ingress.receive import receive
from ingress.sources import ReadySource, global_limit, prepare
from shared import logs
from shared.celery_settings import WakeupMessage
from shared.config import Config, config_path, load
from shared.eventstore import EventStore, ReplicaWait
from shared.keys import Keys
from shared.redisconn import connect

log = logging.getLogger("hookmaker.ingress")

_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
HTTP_REASONS = {404: "not-found", 405: "method-not-allowed", 413: "body-too-large",
                415: "unsupported-media-type"}
JSON = "application/json"


@dataclass(frozen=True)
class IngressState:
    config: Config
    sources: dict[str, ReadySource]
    redis: redis.Redis
    acceptor: Acceptor
    openapi: str
    cache: dict = field(default_factory=dict)     # built on first use (the metrics registry)


def create_app(config: Config) -> Flask:
    """Build the ingress for ``config``.

    Raises:
        ConfigError: a source's option, rule or secret is unusable (named), or no Redis URL.
    """
    app = Flask("hookmaker.ingress")
    sources = prepare(config)
    client = connect(config.redis)
    store = EventStore(client, Keys(config.redis.prefix), retention_s=config.worker.retention_s,
                       replica_wait=ReplicaWait.configured(config.redis))
    acceptor = Acceptor(store=store, wakeup=WakeupMessage.for_config(config),
                        poke_after_s=config.worker.reconcile_grace_s,
                        retry_after_s=config.ingress.retry_after_s,
                        global_limit=global_limit(config))
    app.extensions["hookmaker"] = IngressState(
        config=config, sources=sources, redis=client, acceptor=acceptor,
        openapi=document_json())
    route = {"provide_automatic_options": False}
    app.add_url_rule("/hooks/<source_name>", "receive", receive, methods=["POST"], **route)
    app.add_url_rule("/healthz", "healthz", _healthz, **route)
    app.add_url_rule("/readyz", "readyz", _readyz, **route)
    app.add_url_rule("/openapi.json", "openapi", _openapi, **route)
    observe.install(app)
    app.before_request(_request_id)
    app.after_request(_tag_response)
    app.register_error_handler(Rejected, _rejected)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
    return app


def create_app_from_env() -> Flask:
    """For the WSGI server: the config named by HOOKMAKER_CONFIG (read when called)."""
    logs.setup("ingress")
    return create_app(load(config_path(os.environ)))


def _healthz() -> Response:
    return Response('{"status":"ok"}', content_type=JSON)


def _readyz() -> Response:
    try:
        current_app.extensions["hookmaker"].redis.ping()
    except redis.RedisError as exc:
        return problem("store-unavailable", f"Redis is not reachable ({type(exc).__name__})",
                       request_id=g.request_id, retry_after_s=5)
    return Response('{"status":"ready"}', content_type=JSON)


def _openapi() -> Response:
    return Response(current_app.extensions["hookmaker"].openapi, content_type=JSON)


def _request_id() -> None:
    incoming = request.headers.get("X-Request-Id", "")
    g.request_id = incoming if _REQUEST_ID.fullmatch(incoming) else secrets.token_hex(8)


def _tag_response(response: Response) -> Response:
    response.headers["X-Request-Id"] = g.get("request_id") or secrets.token_hex(8)
    return response


def _rejected(exc: Rejected) -> Response:
    return from_rejected(exc, g.get("request_id", ""))


def _http_error(exc: HTTPException) -> Response:
    code = exc.code or 500
    reason = HTTP_REASONS.get(code, "internal" if code >= 500 else "bad-request")
    headers = {k: v for k, v in exc.get_headers() if k.lower() == "allow"}
    detail = exc.description if PROBLEMS[reason][0] == code else "the request is malformed"
    return problem(reason, detail or exc.name, request_id=g.get("request_id", ""),
                   headers=headers)


def _unexpected(exc: Exception) -> Response:
    log.exception("unexpected error; answered 500 (nothing was acknowledged)")
    return problem("internal", "an unexpected error; the event was not stored",
                   request_id=g.get("request_id", ""), retry_after_s=5)
