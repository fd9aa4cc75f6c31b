"""The Flask app: routes, the envelope on every answer, faults, stats and the access log."""

from __future__ import annotations

import logging
import time

from flask import Flask, Response, current_app, g, request
from werkzeug.exceptions import HTTPException

from emulator import admin, api, api_records  # noqa: F401  (api_records registers routes)
from emulator.accesslog import format_line
from emulator.envelope import disabled, error, error_body, json_response
from emulator.errors import FMError
from emulator.settings import EmulatorSettings
from emulator.state import Emulator

log = logging.getLogger(__name__)
DATA_API = "/fmi/"
HTTP_CODES = {400: "1708", 404: "3", 405: "3", 415: "960"}


def create_app(settings: EmulatorSettings, emulator: Emulator | None = None) -> Flask:
    """Build the emulator's Flask app (and its state, unless given).

    Raises:
        SchemaError: the schema file is invalid.
    """
    state = emulator or Emulator.build(settings)
    app = Flask(__name__)
    app.extensions["emulator"] = state
    app.register_blueprint(api.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(admin.streaming)
    app.before_request(_before)
    app.after_request(_after)
    app.register_error_handler(FMError, error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _crash)
    return app


def _state() -> Emulator:
    return current_app.extensions["emulator"]


def _before() -> Response | None:
    if not request.path.startswith(DATA_API):
        return None
    state = _state()
    state.stats.hit(time.time())
    faults = state.faults
    if faults.disabled:
        return disabled()
    delay = faults.delay_s()
    if delay > 0:
        time.sleep(delay)
    spelling = (request.view_args or {}).get("db")
    if spelling is not None:
        database = state.schema.resolve(spelling)
        if faults.is_closed(database.name if database else spelling):
            raise FMError("802")
    if faults.over_budget():
        raise FMError("953")
    injected = faults.injected_error(request.method, request.path)
    if injected is not None:
        raise injected
    return None


def _after(response: Response) -> Response:
    if not request.path.startswith(DATA_API):
        return response
    state = _state()
    body = response.get_data()
    code = str(response.status_code)
    if response.mimetype == "application/json":
        try:
            code = str((response.get_json() or {})["messages"][0]["code"])
        except (KeyError, IndexError, TypeError):
            pass
    state.faults.count_bytes(len(body))
    state.stats.done(code, len(body))
    path = request.full_path.rstrip("?")
    state.access_log.write(format_line(time.time(), code, request.remote_addr or "",
                                       g.get("account", ""), request.method, path, len(body)))
    return response


def _http_error(exc: HTTPException) -> Response:
    status = exc.code or 500
    code = HTTP_CODES.get(status, str(status))
    return json_response(error_body(code, exc.description or exc.name), status)


def _crash(exc: Exception) -> Response:
    log.exception("unhandled error")
    return json_response(error_body("-1", "Unknown error"), 500)
