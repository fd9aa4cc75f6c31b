"""The JSON admin API: the console's verbs for scripts (described in ``openapi.json``).

Auth as the pages (``admin/auth.py``): a bearer token or a session (then with
``X-CSRF-Token`` on POST). Errors are ``application/problem+json``.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from flask import Blueprint, Response, g, jsonify, request, stream_with_context

from admin.auth import requires
from admin.overview import overview as collect_overview
from admin.views import DEAD_PARAMS, EVENT_PARAMS, state
from shared.eventsearch import search_events
from shared.requeue import publish_wakeups
from shared.search import Filter, FilterError, page_limit

blueprint = Blueprint("api", __name__)
PROBLEM_TYPE = "https://hookmaker.dev/problems/admin/"
TITLES = {400: "bad-request", 401: "unauthenticated", 403: "forbidden", 404: "not-found",
          405: "method-not-allowed", 409: "conflict", 413: "too-large", 500: "internal"}


def problem(status: int, detail: str, *, headers: dict[str, str] | None = None) -> Response:
    reason = TITLES.get(status, "error")
    body = {"type": PROBLEM_TYPE + reason, "title": reason.replace("-", " "),
            "status": status, "detail": detail}
    return Response(json.dumps(body), status=status, headers=headers or {},
                    content_type="application/problem+json")


@blueprint.errorhandler(FilterError)
def _bad_filter(exc: FilterError):
    return problem(400, str(exc))


def _body() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise FilterError("the body must be a JSON object")
    return data


def _filter(data: Any, names: tuple[str, ...] = DEAD_PARAMS) -> Filter:
    if data is None:
        return Filter()
    if not isinstance(data, dict):
        raise FilterError("filter: must be an object")
    unknown = set(data) - set(names)
    if unknown:
        raise FilterError(f"filter: unknown key {sorted(unknown)[0]!r}")
    return Filter.from_params(data)


def _ids(data: dict[str, Any]) -> list[str]:
    ids = data.get("ids")
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
        raise FilterError("ids: must be a non-empty list of event ids")
    return ids


@blueprint.get("/openapi.json")
def openapi():
    text = resources.files("admin").joinpath("openapi.json").read_text()
    return Response(text, content_type="application/json")


@blueprint.get("/v1/overview")
def overview():
    return jsonify(collect_overview(state()))


@blueprint.get("/v1/events")
def events():
    flt = Filter.from_params({k: request.args.get(k) for k in EVENT_PARAMS})
    page = search_events(state().redis, state().keys, flt, sources=state().config.sources,
                         cursor=request.args.get("cursor"),
                         limit=page_limit(request.args.get("limit")))
    return jsonify(page.to_json())


@blueprint.get("/v1/events/<event_id>")
@blueprint.get("/v1/dead-letters/<event_id>")
def event(event_id: str):
    found = state().letters.get(event_id)
    return jsonify(found) if found else problem(404, f"no event {event_id}")


@blueprint.get("/v1/dead-letters")
def dead_letters():
    flt = Filter.from_params({k: request.args.get(k) for k in DEAD_PARAMS})
    page = state().letters.list(flt, cursor=request.args.get("cursor"),
                                limit=page_limit(request.args.get("limit")))
    return jsonify({**page.to_json(), "reasons": state().letters.reasons()})


@blueprint.post("/v1/dead-letters/requeue")
@requires("operator")
def requeue():
    """{"ids": [...]} now, or {"filter": {...}} as a paced job; "dry_run": true previews."""
    data = _body()
    if "ids" in data:
        ids = _ids(data)
        if data.get("dry_run"):
            rows = [state().letters.get(i) for i in ids]
            return jsonify({"dry_run": True, "would_requeue": [
                r["id"] for r in rows if r and r["state"] == "dead"]})
        done = state().letters.requeue(ids, g.user.name)
        publish_wakeups(state().wakeups, done)
        return jsonify({"requeued": done, "skipped": [i for i in ids if i not in done]})
    flt = _filter(data.get("filter"))
    if data.get("dry_run"):
        return jsonify({"dry_run": True, **state().jobs.preview(flt)})
    return jsonify(state().jobs.start(flt, g.user.name)), 202


@blueprint.post("/v1/dead-letters/<event_id>/edit")
@requires("operator")
def edit(event_id: str):
    """{"body": "<the new payload, as text>"}: replace it and requeue; the original is kept."""
    body = _body().get("body")
    if not isinstance(body, str):
        raise FilterError("body: must be the new payload as a string")
    try:
        status = state().letters.edit_and_requeue(event_id, body.encode(), g.user.name)
    except ValueError as exc:
        return problem(400, str(exc))
    if status == "ok":
        publish_wakeups(state().wakeups, [event_id])
        return jsonify({"status": "requeued", "id": event_id})
    return problem(404 if status == "missing" else 409, f"{event_id}: {status}")


@blueprint.post("/v1/dead-letters/delete")
@requires("operator")
def delete():
    ids = _ids(_body())
    return jsonify({"deleted": state().letters.delete(ids, g.user.name)})


@blueprint.post("/v1/dead-letters/purge")
@requires("operator")
def purge():
    """{"filter": {...}} (required; {} means every letter), "dry_run" to count only."""
    data = _body()
    if "filter" not in data:
        raise FilterError("filter: required ({} purges every dead letter)")
    flt = _filter(data["filter"])
    if data.get("dry_run"):
        return jsonify({"dry_run": True, "count": state().letters.count(flt)})
    return jsonify({"purged": state().letters.purge(flt, g.user.name)})


@blueprint.get("/v1/dead-letters/export")
def export():
    flt = Filter.from_params({k: request.args.get(k) for k in DEAD_PARAMS})
    lines = (json.dumps(x, separators=(",", ":")) + "\n" for x in state().letters.export(flt))
    return Response(stream_with_context(lines), content_type="application/x-ndjson")


@blueprint.post("/v1/dead-letters/import")
@requires("operator")
def import_():
    """JSON Lines as made by export; letters whose id exists are skipped."""
    try:
        letters = [json.loads(line) for line in request.get_data().splitlines() if line.strip()]
        imported, skipped = state().letters.import_(letters, g.user.name)
    except ValueError as exc:
        return problem(400, f"not an export: {exc}")
    return jsonify({"imported": imported, "skipped": skipped})


@blueprint.get("/v1/jobs")
def jobs():
    return jsonify({"jobs": state().jobs.list(50)})


@blueprint.get("/v1/jobs/<job_id>")
def job(job_id: str):
    found = state().jobs.get(job_id)
    return jsonify(found) if found else problem(404, f"no job {job_id}")


@blueprint.post("/v1/jobs/<job_id>/cancel")
@requires("operator")
def cancel(job_id: str):
    if state().jobs.get(job_id) is None:
        return problem(404, f"no job {job_id}")
    return jsonify({"id": job_id, "state": state().jobs.cancel(job_id, g.user.name)})


@blueprint.get("/v1/audit")
def audit():
    limit = page_limit(request.args.get("limit") or 100)
    return jsonify({"entries": state().letters.audit.entries(
        limit=limit, who=request.args.get("who", ""), letter=request.args.get("letter", ""))})


@blueprint.get("/v1/whoami")
def whoami():
    return jsonify({"name": g.user.name, "role": g.user.role, "via": g.user.via})
