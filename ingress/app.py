"""The ingress app factory: ``create_app(config)``.

Serve it with ``hookmaker ingress`` (gunicorn). Only the ingress's own routes are here; the
view's whole job is check, store, wake, answer (``ingress/receive.py``).
"""

from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass

import redis
from flask import Flask, Response, current_app, g, jsonify, request
from werkzeug.exceptions import HTTPException

from ingress.problems import problem
from ingress.receive import receive
from ingress.sources import ReadySource, prepare
from shared.celery_settings import Wakeups, make_celery
from shared.config import Config, config_path, load
from shared.eventstore import EventStore
from shared.keys import Keys
from shared.redisconn import connect

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
HTTP_REASONS = {404: "not-found", 405: "method-not-allowed", 413: "body-too-large",
                415: "unsupported-media-type"}


@dataclass(frozen=True)
class IngressState:
    config: Config
    sources: dict[str, ReadySource]
    redis: redis.Redis
    store: EventStore
    wakeups: Wakeups
    poke_after_s: float
    retry_after_s: int


def create_app(config: Config) -> Flask:
    """Build the ingress for ``config``. Raises ConfigError on a bad source option."""
    app = Flask("hookmaker.ingress")
    client = connect(config.redis)
    keys = Keys(config.redis.prefix)
    app.extensions["hookmaker"] = IngressState(
        config=config, sources=prepare(config), redis=client,
        store=EventStore(client, keys, retention_s=config.worker.retention_s),
        wakeups=Wakeups(make_celery(config, name="hookmaker-ingress"), config.worker.queue),
        poke_after_s=config.worker.reconcile_grace_s,
        retry_after_s=config.ingress.retry_after_s)
    app.add_url_rule("/hooks/<source_name>", "receive", receive, methods=["POST"])
    app.add_url_rule("/healthz", "healthz", lambda: jsonify(status="ok"))
    app.add_url_rule("/readyz", "readyz", _readyz)
    app.before_request(_request_id)
    app.after_request(_tag_response)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
    return app


def create_app_from_env() -> Flask:
    """For gunicorn: the config named by HOOKMAKER_CONFIG (read when called, not imported)."""
    return create_app(load(config_path(os.environ)))


def _readyz() -> Response:
    try:
        current_app.extensions["hookmaker"].redis.ping()
    except redis.RedisError as exc:
        return problem("store-unavailable", f"Redis is not reachable ({type(exc).__name__})",
                       request_id=g.request_id, retry_after_s=5)
    return jsonify(status="ready")


def _request_id() -> None:
    incoming = request.headers.get("X-Request-Id", "")
    g.request_id = incoming if _REQUEST_ID.match(incoming) else secrets.token_hex(8)


def _tag_response(response: Response) -> Response:
    response.headers["X-Request-Id"] = g.get("request_id", "")
    return response


def _http_error(exc: HTTPException) -> Response:
    reason = HTTP_REASONS.get(exc.code or 400, "bad-request")
    return problem(reason, exc.description or exc.name, request_id=g.get("request_id", ""))


def _unexpected(exc: Exception) -> Response:
    current_app.logger.exception("unexpected error")
    return problem("internal", "an unexpected error; the event was not stored",
                   request_id=g.get("request_id", ""), retry_after_s=5)
