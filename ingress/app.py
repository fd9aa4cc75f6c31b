"""The ingress app factory: ``create_app(config)``.

Serve it with ``hookmaker ingress`` (gunicorn, or granian). Everything a request needs is
built here, once: sources with their verifiers, rate limits and replies, the pooled Redis
client, the accept script and the wake-up message template. The view's whole job is check,
store, answer (``ingress/receive.py``). Webhooks (``POST /hooks/<source>``) take the hot
path in front of Flask (``ingress/hotpath.py``); health, readiness, the OpenAPI document,
metrics and every other method or path are Flask's.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field

import redis
from flask import Flask, Response, current_app, g, request
from werkzeug.exceptions import HTTPException

from ingress import observe
from ingress.accept import Acceptor
from ingress.hotpath import WebhookPath
from ingress.openapi import document_json
from ingress.problems import (Rejected, from_rejected, http_problem, problem,
                              request_id_for, unexpected_problem)
from ingress.receive import receive
from ingress.sources import ReadySource, global_limit, prepare
from shared import logs
from shared.celery_settings import WakeupMessage
from shared.config import Config, config_path, load
from shared.eventstore import EventStore, ReplicaWait
from shared.keys import Keys
from shared.redisconn import connect

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
    state = IngressState(config=config, sources=sources, redis=client, acceptor=acceptor,
                         openapi=document_json())
    app.extensions["hookmaker"] = state
    route = {"provide_automatic_options": False}
    app.add_url_rule("/hooks/<source_name>", "receive", _receive, methods=["POST"], **route)
    app.add_url_rule("/healthz", "healthz", _healthz, **route)
    app.add_url_rule("/readyz", "readyz", _readyz, **route)
    app.add_url_rule("/openapi.json", "openapi", _openapi, **route)
    observe.install(app)
    app.before_request(_request_id)
    app.after_request(_tag_response)
    app.register_error_handler(Rejected, _rejected)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
    app.wsgi_app = WebhookPath(app.wsgi_app, state)       # type: ignore[method-assign]
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


def _receive(source_name: str) -> Response:
    """The Flask route of webhooks: served here only when something calls Flask's own
    ``wsgi_app`` past the hot path. The rule also answers 405 to other methods."""
    return receive(current_app.extensions["hookmaker"], request, source_name)


def _request_id() -> None:
    g.request_id = request_id_for(request.headers.get("X-Request-Id", ""))


def _tag_response(response: Response) -> Response:
    response.headers["X-Request-Id"] = g.get("request_id") or secrets.token_hex(8)
    return response


def _rejected(exc: Rejected) -> Response:
    return from_rejected(exc, g.get("request_id", ""))


def _http_error(exc: HTTPException) -> Response:
    return http_problem(exc, g.get("request_id", ""))


def _unexpected(exc: Exception) -> Response:
    return unexpected_problem(g.get("request_id", ""))
