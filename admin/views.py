"""The console's pages: overview, event search and detail, dead letters, jobs, audit.

Thin: every page reads through the dead-letter store's verbs (``shared.deadletters``,
``shared.requeue``, ``shared.eventsearch``) and renders a template; actions that change
state are in ``admin/actions.py``.
"""

from __future__ import annotations

from typing import Any, Mapping

from flask import (Blueprint, abort, current_app, flash, g, render_template, request,
                   url_for)

from admin.auth import csrf_token
from admin.overview import overview as collect_overview
from shared.eventsearch import search_events
from shared.eventstore import STATES
from shared.search import Filter, FilterError, Page, page_limit

blueprint = Blueprint("views", __name__)

DEAD_PARAMS = ("source", "route", "db", "error_class", "code", "since", "until", "text")
EVENT_PARAMS = ("event_id", "dedupe_key", "source", "state", "since", "until", "text")


def state():
    return current_app.extensions["hookmaker-admin"]


def render(template: str, **context: Any):
    return render_template(template, user=g.user, csrf=csrf_token(), **context)


def error_page(status: int, message: str):
    if g.get("user") is None:
        return render_template("error.html", user=None, csrf="", status=status,
                               message=message), status
    return render("error.html", status=status, message=message), status


def read_filter(params: Mapping[str, Any], names: tuple[str, ...]) -> Filter:
    """The filter in the request; an unreadable one is shown and treated as empty."""
    try:
        return Filter.from_params({k: params.get(k) for k in names})
    except FilterError as exc:
        flash(str(exc), "error")
        return Filter()


def page_args(params: Mapping[str, Any], names: tuple[str, ...]) -> dict[str, str]:
    """The filter as typed (for the form and the next-page link)."""
    return {k: params[k] for k in names if params.get(k)}


def quick_count(flt: Filter) -> int | None:
    """How many dead letters match, when one index answers it; None otherwise."""
    if flt.text:
        return None
    facets = flt.facets()
    if len(facets) > 1:
        return None
    keys = state().keys
    key = keys.dlq_index(*next(iter(facets.items()))) if facets else keys.dead
    low = "-inf" if flt.since is None else flt.since
    high = "+inf" if flt.until is None else flt.until
    return state().redis.zcount(key, low, high)


@blueprint.get("/")
def overview():
    return render("overview.html", data=collect_overview(state()))


@blueprint.get("/events")
def events():
    flt = read_filter(request.args, EVENT_PARAMS)
    try:
        page = search_events(state().redis, state().keys, flt,
                             sources=state().config.sources, cursor=request.args.get("cursor"),
                             limit=page_limit(request.args.get("limit")))
    except FilterError as exc:
        flash(str(exc), "error")
        page = Page([], None, 0)
    return render("events.html", page=page, args=page_args(request.args, EVENT_PARAMS),
                  states=STATES, sources=list(state().config.sources))


@blueprint.get("/events/<event_id>")
def event(event_id: str):
    letter = state().letters.get(event_id)
    if letter is None:
        abort(404, f"no event {event_id} (unknown, or past its retention)")
    audit = state().letters.audit.entries(letter=event_id, limit=20)
    return render("event.html", e=letter, audit=audit)


@blueprint.get("/dead")
def dead():
    flt = read_filter(request.args, DEAD_PARAMS)
    try:
        page = state().letters.list(flt, cursor=request.args.get("cursor"),
                                    limit=page_limit(request.args.get("limit")))
    except FilterError as exc:
        flash(str(exc), "error")
        page = Page([], None, 0)
    return render("dead.html", page=page, args=page_args(request.args, DEAD_PARAMS),
                  facets=state().letters.reasons(), count=quick_count(flt),
                  filtered=not flt.is_empty(), here=request.full_path.rstrip("?"))


@blueprint.get("/dead/preview")
def preview():
    """The dry run of a bulk requeue or purge of everything matching the filter."""
    action = request.args.get("action", "requeue")
    if action not in ("requeue", "purge"):
        abort(400, "action must be requeue or purge")
    flt = read_filter(request.args, DEAD_PARAMS)
    return render("preview.html", action=action, preview=state().jobs.preview(flt),
                  params=flt.to_params(), args=page_args(request.args, DEAD_PARAMS))


@blueprint.get("/dead/<event_id>/edit")
def edit(event_id: str):
    letter = state().letters.get(event_id)
    if letter is None:
        abort(404, f"no event {event_id}")
    if letter["state"] != "dead":
        flash(f"{event_id} is {letter['state']}, not dead: only dead letters are edited",
              "error")
    return render("edit.html", e=letter)


@blueprint.get("/jobs")
def jobs():
    listed = state().jobs.list(50)
    return render("jobs.html", jobs=listed, running=any(j["state"] == "running"
                                                        for j in listed))


@blueprint.get("/audit")
def audit():
    who, letter = request.args.get("who", ""), request.args.get("letter", "")
    return render("audit.html", entries=state().letters.audit.entries(
        limit=200, who=who, letter=letter), who=who, letter=letter)


def next_link(endpoint: str, args: dict[str, str], cursor: str | None) -> str | None:
    return url_for(endpoint, **args, cursor=cursor) if cursor else None


@blueprint.app_context_processor
def helpers() -> dict[str, Any]:
    return {"next_link": next_link}


def register_actions() -> None:
    from admin import actions  # noqa: F401, PLC0415 - routes on this blueprint


register_actions()
