"""The console's state changes (operator only, CSRF-checked by ``admin/auth.py``).

Each is one verb of the dead-letter store or the requeue jobs, then a redirect with a
message (post/redirect/get).
"""

from __future__ import annotations

import logging

from flask import flash, g, redirect, request, url_for

from admin.auth import safe_next, requires
from admin.views import DEAD_PARAMS, blueprint, read_filter, state
from shared.requeue import publish_wakeups

log = logging.getLogger("hookmaker.admin")
MAX_SELECTED = 500


def _selected() -> list[str]:
    ids = [i for i in request.form.getlist("ids") if i][:MAX_SELECTED]
    if not ids:
        flash("Nothing selected.", "error")
    return ids


def _back():
    return redirect(safe_next(request.form.get("back")) if request.form.get("back")
                    else url_for("views.dead"))


@blueprint.post("/dead/requeue")
@requires("operator")
def requeue():
    ids = _selected()
    if ids:
        done = state().letters.requeue(ids, g.user.name)
        publish_wakeups(state().wakeups, done)
        skipped = len(ids) - len(done)
        flash(f"Requeued {len(done)} letter{'s' * (len(done) != 1)}"
              + (f"; {skipped} no longer dead" if skipped else "") + ".", "ok")
    return _back()


@blueprint.post("/dead/delete")
@requires("operator")
def delete():
    ids = _selected()
    if ids:
        deleted = state().letters.delete(ids, g.user.name)
        flash(f"Deleted {deleted} letter{'s' * (deleted != 1)}.", "ok")
    return _back()


@blueprint.post("/dead/jobs")
@requires("operator")
def start_job():
    """Requeue everything matching the filter: a paced job the workers carry out."""
    flt = read_filter(request.form, DEAD_PARAMS)
    job = state().jobs.start(flt, g.user.name)
    flash(f"Bulk requeue {job['id']} started: {job['total']} letters at "
          f"{job['rate_per_s']:g}/s.", "ok")
    return redirect(url_for("views.jobs"))


@blueprint.post("/dead/purge")
@requires("operator")
def purge():
    flt = read_filter(request.form, DEAD_PARAMS)
    if request.form.get("confirm") != "yes":
        flash("Purge not confirmed.", "error")
        return redirect(url_for("views.preview", action="purge", **flt.to_params()))
    deleted = state().letters.purge(flt, g.user.name)
    flash(f"Purged {deleted} letter{'s' * (deleted != 1)}.", "ok")
    return redirect(url_for("views.dead"))


@blueprint.post("/dead/<event_id>/edit")
@requires("operator")
def edit_and_requeue(event_id: str):
    body = request.form.get("body", "").replace("\r\n", "\n").encode()
    try:
        status = state().letters.edit_and_requeue(event_id, body, g.user.name)
    except ValueError as exc:
        flash(str(exc), "error")
        return redirect(url_for("views.edit", event_id=event_id))
    if status == "ok":
        publish_wakeups(state().wakeups, [event_id])
        flash("Payload saved and requeued (the original is kept).", "ok")
        return redirect(url_for("views.event", event_id=event_id))
    flash({"not-dead": "It is no longer dead (requeued or deleted meanwhile).",
           "changed": "Someone changed it since you opened it: look again.",
           "missing": "No such event."}[status], "error")
    return redirect(url_for("views.event", event_id=event_id) if status != "missing"
                    else url_for("views.dead"))


@blueprint.post("/jobs/<job_id>/cancel")
@requires("operator")
def cancel_job(job_id: str):
    result = state().jobs.cancel(job_id, g.user.name)
    flash(f"Job {job_id}: {result}.", "ok" if result == "cancelled" else "error")
    return redirect(url_for("views.jobs"))
