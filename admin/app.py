"""The console's app factory: ``create_app(config)``.

Served by ``hookmaker admin`` (gunicorn, 127.0.0.1:8081 by default), never mounted in the
ingress: the admin surface stays off the public webhook port. Every page and API call needs
a login (``admin/auth.py``); every state change needs the operator role and, with a session,
a CSRF token.
"""

from __future__ import annotations

import logging
import os
import secrets
from dataclasses import dataclass
from datetime import timedelta

import redis
from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException

from admin import api, auth, views
from admin.format import register_filters
from shared.adminconfig import ConsoleSettings, console_settings
from shared.celery_settings import Wakeups, make_celery
from shared.config import Config, config_path, load
from shared.deadletters import DeadLetters
from shared.keys import Keys
from shared.redisconn import connect
from shared.requeue import RequeueJobs

log = logging.getLogger("hookmaker.admin")

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "frame-ancestors 'none'; form-action 'self'; base-uri 'none'")


@dataclass(frozen=True)
class AdminState:
    config: Config
    settings: ConsoleSettings
    redis: redis.Redis
    keys: Keys
    letters: DeadLetters
    jobs: RequeueJobs
    wakeups: Wakeups


def create_app(config: Config, settings: ConsoleSettings | None = None) -> Flask:
    """Build the console for ``config``.

    Raises:
        ConfigError: ``[admin]`` is wrong, or has no account and no token.
    """
    settings = settings or console_settings(config)
    app = Flask("admin")
    app.secret_key = settings.session_key.value if settings.session_key \
        else secrets.token_hex(32)
    if settings.session_key is None:
        log.warning("admin.session_key is not set: sessions end when this process does")
    app.config.update(
        SESSION_COOKIE_NAME="__Host-hookmaker-console" if settings.cookie_secure
        else "hookmaker-console",
        SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_SECURE=settings.cookie_secure, SESSION_COOKIE_PATH="/",
        PERMANENT_SESSION_LIFETIME=timedelta(seconds=settings.session_ttl_s),
        MAX_CONTENT_LENGTH=64 * 1024 * 1024)
    client = connect(config.redis)
    keys = Keys(config.redis.prefix)
    letters = DeadLetters(client, keys, settings=settings.dlq,
                          retention_s=config.worker.retention_s)
    app.extensions["hookmaker-admin"] = AdminState(
        config=config, settings=settings, redis=client, keys=keys, letters=letters,
        jobs=RequeueJobs(letters, settings.dlq),
        wakeups=Wakeups(make_celery(config, name="hookmaker-admin"), config.worker.queue))
    register_filters(app)
    app.before_request(auth.authenticate)
    app.register_blueprint(auth.blueprint)
    app.register_blueprint(views.blueprint)
    app.register_blueprint(api.blueprint, url_prefix="/api")
    app.add_url_rule("/healthz", "healthz", lambda: jsonify(status="ok"))
    app.after_request(_secure_headers)
    app.register_error_handler(HTTPException, _http_error)
    return app


def create_app_from_env() -> Flask:
    """For gunicorn: the config named by HOOKMAKER_CONFIG (read when called)."""
    return create_app(load(config_path(os.environ)))


def _secure_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    if not request.path.startswith("/static/"):
        response.headers["Cache-Control"] = "no-store"
    return response


def _http_error(exc: HTTPException):
    if request.path.startswith("/api/"):
        return api.problem(exc.code or 500, exc.description or exc.name)
    return views.error_page(exc.code or 500, exc.description or exc.name)
