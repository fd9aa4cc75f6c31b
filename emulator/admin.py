"""Admin endpoints under ``/_emulator/`` (tests and the CLI), and container downloads.

``POST /_emulator/faults`` (JSON of :mod:`emulator.faults`), ``GET``/``DELETE`` the same,
``GET /_emulator/stats``, ``POST /_emulator/clock`` ``{"advance_s": n}``,
``POST /_emulator/reset``, ``GET /_emulator/records/<db>/<layout>``,
``GET /_emulator/log?limit=n``, ``GET /_emulator/health``.
"""

from __future__ import annotations

import os
import time
from typing import Any

from flask import Blueprint, Response, current_app, request
from flask.typing import ResponseReturnValue

from emulator.envelope import json_response
from emulator.render import render_record
from emulator.state import Emulator

bp = Blueprint("admin", __name__, url_prefix="/_emulator")
streaming = Blueprint("streaming", __name__)


def emu() -> Emulator:
    """The emulator serving this request."""
    return current_app.extensions["emulator"]


def _bad(message: str, status: int = 400) -> Response:
    return json_response({"error": message}, status)


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else {}


@bp.get("/health")
def health() -> ResponseReturnValue:
    return json_response({"status": "ok", "pid": os.getpid()})


@bp.post("/faults")
def set_faults() -> ResponseReturnValue:
    state = emu()
    try:
        actions = state.faults.apply(_body())
    except (ValueError, TypeError) as exc:
        return _bad(str(exc))
    out: dict[str, Any] = {}
    if "session_cap" in actions:
        state.sessions.cap = int(actions["session_cap"])
    if actions.get("invalidate_tokens"):
        out["invalidated"] = state.sessions.invalidate_all()
    if "down_s" in actions:
        if state.go_down is None:
            return _bad("down_s needs the emulator's own server", 409)
        state.go_down(float(actions["down_s"]))
        out["down_s"] = float(actions["down_s"])
    return json_response({"faults": state.faults.snapshot(), **out})


@bp.get("/faults")
def get_faults() -> ResponseReturnValue:
    return json_response({"faults": emu().faults.snapshot()})


@bp.delete("/faults")
def clear_faults() -> ResponseReturnValue:
    state = emu()
    state.faults.clear()
    state.sessions.cap = state.settings.session_cap
    return json_response({"faults": state.faults.snapshot()})


@bp.get("/stats")
def stats() -> ResponseReturnValue:
    state = emu()
    return json_response({**state.stats.snapshot(), "sessions": state.sessions.open_counts(),
                          "session_cap": state.sessions.cap, "logins": state.sessions.logins,
                          "logouts": state.sessions.logouts, "clock": state.clock.now(),
                          "time": time.time()})


@bp.post("/clock")
def clock() -> ResponseReturnValue:
    try:
        now = emu().clock.advance(float(_body().get("advance_s", 0)))
    except (TypeError, ValueError) as exc:
        return _bad(f"advance_s: {exc}")
    return json_response({"clock": now})


@bp.post("/reset")
def reset() -> ResponseReturnValue:
    emu().reset()
    return json_response({"reset": True})


@bp.get("/records/<db>/<layout>")
def records(db: str, layout: str) -> ResponseReturnValue:
    state = emu()
    database = state.schema.resolve(db)
    if database is None:
        return _bad(f"no database {db}", 404)
    name = layout if layout in database.layouts else next(
        (n for n, lay in database.layouts.items() if lay.table == layout), None)
    if name is None:
        return _bad(f"no layout or table {layout}", 404)
    target = state.records.target(database, name)
    rows = state.store.rows(database.name, target.table.name)
    data = [render_record(target.layout, target.table, r, {}, 0, request.host_url) for r in rows]
    return json_response({"records": data})


@bp.get("/log")
def log() -> ResponseReturnValue:
    limit = request.args.get("limit", type=int)
    return json_response({"lines": emu().access_log.recent(limit)})


@streaming.get("/Streaming_SSL/MainDB/<name>")
def container(name: str) -> ResponseReturnValue:
    found = emu().store.get_container(name.split(".", 1)[0])
    if found is None:
        return _bad("no such container data", 404)
    filename, mime, data = found
    return Response(data, mimetype=mime,
                    headers={"Content-Disposition": f'inline; filename="{filename}"'})
