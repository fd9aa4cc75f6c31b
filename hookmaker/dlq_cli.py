"""``hookmaker dlq``: the dead-letter store from a terminal (thin over its verbs)."""

from __future__ import annotations

import functools
import getpass
import json
import sys
from dataclasses import dataclass
from typing import Any

import click

from shared.search import Filter, FilterError

FILTERS = (("source", "Webhook source."), ("route", "Route name."),
           ("db", "FileMaker database."),
           ("error_class", "Outcome class: invalid, permanent, transient, ..."),
           ("code", "FileMaker error code ('-': none)."),
           ("since", "From: epoch s, ISO 8601, or an age (2h, 3d)."), ("until", "Up to."),
           ("text", "Text in the payload."))


@dataclass
class Tools:
    config: Any
    letters: Any
    jobs: Any
    who: str

    def wakeups(self):
        from shared.celery_settings import Wakeups, make_celery  # noqa: PLC0415 - slow import
        return Wakeups(make_celery(self.config, name="hookmaker-cli"), self.config.worker.queue)


def tools(ctx: click.Context) -> Tools:
    from shared.adminconfig import dlq_settings  # noqa: PLC0415
    from shared.deadletters import DeadLetters  # noqa: PLC0415
    from shared.errors import ConfigError  # noqa: PLC0415
    from shared.keys import Keys  # noqa: PLC0415
    from shared.redisconn import connect  # noqa: PLC0415
    from shared.requeue import RequeueJobs  # noqa: PLC0415
    config = ctx.find_root().obj.config()
    try:
        settings = dlq_settings(config)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    letters = DeadLetters(connect(config.redis), Keys(config.redis.prefix), settings=settings,
                          retention_s=config.worker.retention_s)
    return Tools(config, letters, RequeueJobs(letters, settings), ctx.obj["who"])


def filter_options(command):
    for name, text in reversed(FILTERS):
        flag = "--class" if name == "error_class" else f"--{name}"
        command = click.option(flag, name, default="", help=text)(command)
    return command


def read_filter(options: dict[str, Any]) -> Filter:
    try:
        return Filter.from_params({k: options.get(k) for k, _ in FILTERS})
    except FilterError as exc:
        raise click.BadParameter(str(exc)) from exc


def guarded(command):
    """Turn a FilterError or ValueError from a verb into a clean CLI error."""
    @functools.wraps(command)
    def inner(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except (FilterError, ValueError) as exc:
            raise click.ClickException(str(exc)) from exc
    return inner


@click.group()
@click.option("--as", "who", default=None, metavar="NAME",
              help="Who you are, for the audit log (default: cli:$USER).")
@click.pass_context
def dlq(ctx: click.Context, who: str | None) -> None:
    """Dead letters: list, show, requeue, edit, delete, purge, export, import."""
    ctx.obj = {"who": who or f"cli:{getpass.getuser()}"}


@dlq.command("ls")
@filter_options
@click.option("--limit", default=50, show_default=True)
@click.option("--cursor", default=None, help="Continue after the previous page.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
@guarded
def ls(ctx, limit: int, cursor: str | None, as_json: bool, **options) -> None:
    """Dead letters, newest first."""
    from admin.format import ts  # noqa: PLC0415
    from shared.texttable import text_table  # noqa: PLC0415
    page = tools(ctx).letters.list(read_filter(options), cursor=cursor, limit=limit)
    if as_json:
        click.echo(json.dumps(page.to_json(), indent=2))
        return
    if not page.rows:
        click.echo("(no dead letters match)")
    else:
        click.echo(text_table(
            ("DIED (UTC)", "ID", "SOURCE", "ROUTE", "CLASS", "CODE", "MESSAGE"),
            ((ts(r["dead_at"]), r["id"], r["source"], r["route"] or "-", r["dlq_class"],
              r["dlq_code"] or "-", r["last_error"][:100]) for r in page.rows)))
    if page.next_cursor:
        click.echo(f"\nmore: hookmaker dlq ls ... --cursor {page.next_cursor}")


@dlq.command()
@click.argument("event_id")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def show(ctx, event_id: str, as_json: bool) -> None:
    """One letter (or any event): envelope, headers, history, body."""
    from admin.format import ts  # noqa: PLC0415
    from hookmaker.inspect import format_event  # noqa: PLC0415
    view = tools(ctx).letters.get(event_id)
    if view is None:
        raise click.ClickException(f"no event {event_id} (unknown, or past its retention)")
    if as_json:
        click.echo(json.dumps(view, indent=2))
        return
    click.echo(format_event(view))
    extra = [("outcome", f"{view['error_class'] or '-'} (FileMaker {view['code'] or '-'})"),
             ("last error", view["last_error"]), ("first failure", ts(view["first_failure_at"])),
             ("dead since", ts(view["dead_at"])), ("requeued", view["requeues"]),
             ("edited by", view["edited_by"])]
    click.echo("\n" + "\n".join(f"{k:<14}{v}" for k, v in extra if v not in (None, "")))
    click.echo("headers:\n" + "\n".join(f"  {k}: {v}" for k, v in view["headers"].items()))
    if view["original_body"] is not None:
        click.echo("\noriginal body (before the edit):\n" + view["original_body"])


@dlq.command()
@click.argument("ids", nargs=-1)
@filter_options
@click.option("--all", "everything", is_flag=True, help="Every dead letter (no filter).")
@click.option("--dry-run", is_flag=True, help="Show what would go; change nothing.")
@click.option("--background", is_flag=True,
              help="Leave a bulk job to the workers' reconcilers; print its id and return.")
@click.pass_context
@guarded
def requeue(ctx, ids: tuple[str, ...], everything: bool, dry_run: bool, background: bool,
            **options) -> None:
    """Requeue IDS now, or everything matching the filter as a paced bulk job.

    A bulk job runs in the foreground with a progress bar at the configured rate
    ([admin.dlq] requeue_rate_per_s; Ctrl-C cancels it), or with --background in the
    workers. A letter already in FileMaker is never written twice.
    """
    t = tools(ctx)
    flt = read_filter(options)
    if ids:
        if not flt.is_empty() or everything:
            raise click.UsageError("give ids, or a filter, not both")
        _requeue_ids(t, list(ids), dry_run)
        return
    if flt.is_empty() and not everything:
        raise click.UsageError("give ids, a filter, or --all")
    preview = t.jobs.preview(flt)
    click.echo(f"{preview['count']} letters match; at {preview['rate_per_s']:g}/s that takes "
               f"about {preview['eta_s']:.0f} s.")
    if dry_run:
        for r in preview["sample"]:
            click.echo(f"  would requeue {r['id']}  {r['source']}  {r['dlq_code'] or '-'}  "
                       f"{r['last_error'][:60]}")
        return
    job = t.jobs.start(flt, t.who)
    if background or job["state"] != "running":
        click.echo(f"job {job['id']}: {job['state']} ({job['total']} letters)")
        return
    _run_job(t, job)


def _requeue_ids(t: Tools, ids: list[str], dry_run: bool) -> None:
    if dry_run:
        for event_id in ids:
            view = t.letters.get(event_id)
            state = view["state"] if view else "unknown"
            click.echo(f"{event_id}: {'would requeue' if state == 'dead' else 'skip, ' + state}")
        return
    done = t.letters.requeue(ids, t.who)
    from shared.requeue import publish_wakeups  # noqa: PLC0415
    publish_wakeups(t.wakeups(), done)
    for event_id in ids:
        click.echo(f"{event_id}: {'requeued' if event_id in done else 'not dead, skipped'}")


def _run_job(t: Tools, job: dict[str, Any]) -> None:
    wakeups = t.wakeups()
    with click.progressbar(length=job["total"], label=f"job {job['id']}",
                           show_pos=True, show_eta=True) as bar:
        seen = {"done": 0}

        def progress(now: dict[str, Any]) -> None:
            bar.update(now.get("done", 0) - seen["done"])
            seen["done"] = now.get("done", 0)
        try:
            final = t.jobs.run(job["id"], wakeups, progress=progress)
        except KeyboardInterrupt:
            t.jobs.cancel(job["id"], t.who)
            final = t.jobs.get(job["id"]) or {}
    click.echo(f"job {job['id']}: {final.get('state')}, {final.get('requeued', 0)} requeued "
               f"of {job['total']} ({final.get('done', 0) - final.get('requeued', 0)} "
               "were no longer dead)")


@dlq.command()
@click.pass_context
def jobs(ctx) -> None:
    """Bulk requeue jobs, newest first."""
    for j in tools(ctx).jobs.list(20):
        click.echo(f"{j['id']}  {j['state']:<9} {j['requeued']:>7}/{j['total']:<7} by {j['who']}"
                   f"  {json.dumps(j['filter'])}")


@dlq.command()
@click.argument("job_id")
@click.pass_context
def cancel(ctx, job_id: str) -> None:
    """Stop a running bulk requeue."""
    t = tools(ctx)
    click.echo(f"job {job_id}: {t.jobs.cancel(job_id, t.who)}")


@dlq.command()
@click.argument("event_id")
@click.pass_context
@guarded
def edit(ctx, event_id: str) -> None:
    """Open $EDITOR on the payload; saving a change requeues it (the original is kept)."""
    from admin.format import pretty  # noqa: PLC0415
    t = tools(ctx)
    view = t.letters.get(event_id)
    if view is None or view["state"] != "dead":
        raise click.ClickException(f"{event_id} is not a dead letter")
    before = pretty(view["body"])
    after = click.edit(before, extension=".json", require_save=True)
    if after is None or after.strip() == before.strip():
        click.echo("No change; nothing requeued.")
        return
    status = t.letters.edit_and_requeue(event_id, after.strip().encode(), t.who)
    if status != "ok":
        raise click.ClickException(f"{event_id}: {status}; nothing changed")
    from shared.requeue import publish_wakeups  # noqa: PLC0415
    publish_wakeups(t.wakeups(), [event_id])
    click.echo(f"{event_id}: edited and requeued")


@dlq.command()
@click.argument("ids", nargs=-1, required=True)
@click.pass_context
def rm(ctx, ids: tuple[str, ...]) -> None:
    """Delete dead letters for good."""
    t = tools(ctx)
    click.echo(f"deleted {t.letters.delete(list(ids), t.who)} of {len(ids)}")


@dlq.command()
@filter_options
@click.option("--all", "everything", is_flag=True, help="Every dead letter.")
@click.option("--yes", is_flag=True, help="Do not ask.")
@click.option("--dry-run", is_flag=True, help="Count only.")
@click.pass_context
@guarded
def purge(ctx, everything: bool, yes: bool, dry_run: bool, **options) -> None:
    """Delete every dead letter matching the filter (asks first unless --yes)."""
    t = tools(ctx)
    flt = read_filter(options)
    if flt.is_empty() and not everything:
        raise click.UsageError("give a filter, or --all")
    count = t.letters.count(flt)
    if dry_run or count == 0:
        click.echo(f"{count} letters would be purged")
        return
    if not yes:
        click.confirm(f"Delete {count} dead letters for good?", abort=True)
    click.echo(f"purged {t.letters.purge(flt, t.who)}")


@dlq.command()
@filter_options
@click.option("-o", "--output", type=click.File("w"), default="-", help="File (default: stdout).")
@click.pass_context
@guarded
def export(ctx, output, **options) -> None:
    """Dead letters as JSON Lines (everything kept), to import elsewhere."""
    n = 0
    for letter in tools(ctx).letters.export(read_filter(options)):
        output.write(json.dumps(letter, separators=(",", ":")) + "\n")
        n += 1
    click.echo(f"exported {n} letters", err=True)


@dlq.command("import")
@click.argument("source", type=click.File("r"), default="-")
@click.pass_context
@guarded
def import_(ctx, source) -> None:
    """Import JSON Lines made by export (ids already here are skipped)."""
    t = tools(ctx)
    letters = (json.loads(line) for line in source if line.strip())
    imported, skipped = t.letters.import_(letters, t.who)
    click.echo(f"imported {imported}, skipped {skipped} (already here)")


@dlq.command()
@click.option("--limit", default=50, show_default=True)
@click.option("--who", default="", help="Only this person.")
@click.option("--letter", default="", help="Only entries naming this id.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def audit(ctx, limit: int, who: str, letter: str, as_json: bool) -> None:
    """Who did what to which letters, newest first."""
    from admin.format import ts  # noqa: PLC0415
    entries = tools(ctx).letters.audit.entries(limit=limit, who=who, letter=letter)
    if as_json:
        click.echo(json.dumps(entries, indent=2))
        return
    for e in entries:
        ids = " ".join(e["ids"][:3]) + (f" +{len(e['ids']) - 3}" if len(e["ids"]) > 3 else "")
        click.echo(f"{ts(e['at'])}  {e['who']:<14} {e['action']:<22} {e['count']:>6}  "
                   f"{json.dumps(e['filter']) if e['filter'] else ''} {ids} {e['detail']}")


if __name__ == "__main__":
    sys.exit(dlq())
