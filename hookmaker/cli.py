"""The ``hookmaker`` command: every part of the pipeline, and the tools around it."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from hookmaker import context
from shared import defaults as D
from shared.errors import ConfigError

BANNER = """
Hookmaker is up.
  ingress   {ingress}   (POST /hooks/<source>)
  console   {console}   (dead letters; log in as operator / operator-dev)
  redis     {redis}
  logs      var/*.log

Send a signed Stripe test event (in another terminal):
  .venv/bin/hookmaker send stripe examples/events/stripe-checkout.json

Then look:
  .venv/bin/hookmaker stats
  .venv/bin/hookmaker emulator records Hookmaker Orders
  .venv/bin/hookmaker dlq ls

Ctrl-C stops everything.
"""


class Context:
    def __init__(self, config_path: str | None) -> None:
        self.config_path = config_path

    def config(self, *, redis: bool = True):
        try:
            config = context.load_config(self.config_path)
            return context.require_redis(config) if redis else config
        except ConfigError as exc:
            raise click.ClickException(str(exc)) from exc


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", "config_path", envvar=D.DEFAULT_CONFIG_ENV, metavar="PATH",
              help="The TOML config (default: $HOOKMAKER_CONFIG, hookmaker.toml, "
                   "examples/hookmaker.toml).")
@click.pass_context
def main(ctx: click.Context, config_path: str | None) -> None:
    """Hookmaker: webhooks into FileMaker, reliably."""
    ctx.obj = Context(config_path)


@main.command()
@click.option("--port", default=D.DEFAULT_INGRESS_PORT, show_default=True,
              help="The ingress port (127.0.0.1).")
@click.option("--no-emulator", is_flag=True, help="Do not start the FileMaker emulator.")
@click.option("--schema", default="examples/filemaker-schema.toml", show_default=True,
              help="The emulator's schema.")
@click.pass_obj
def up(obj: Context, port: int, no_emulator: bool, schema: str) -> None:
    """The whole pipeline: Redis, FileMaker emulator, ingress, worker. Ctrl-C stops it."""
    from hookmaker.stack import Stack, run_until_interrupted  # noqa: PLC0415
    stack = Stack(obj.config(redis=False), port=port, emulator=not no_emulator,
                  schema=Path(schema))
    try:
        run_until_interrupted(stack, BANNER)
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from exc


@main.command()
@click.option("--bind", default=f"127.0.0.1:{D.DEFAULT_INGRESS_PORT}", show_default=True)
@click.option("--workers", type=int, help="Worker processes (default: config).")
@click.option("--threads", type=int, help="Threads per worker (default: config; 1 = gunicorn "
                                          "sync worker).")
@click.option("--server", type=click.Choice(["gunicorn", "granian"]),
              help="The WSGI server (default: config, else gunicorn; granian is optional).")
@click.pass_obj
def ingress(obj: Context, bind: str, workers: int | None, threads: int | None,
            server: str | None) -> None:
    """Serve the ingress (SIGTERM finishes in-flight requests, then exits)."""
    from hookmaker.serve import run_ingress  # noqa: PLC0415
    from ingress.sources import prepare  # noqa: PLC0415
    config = obj.config()
    try:
        prepare(config)     # a bad source fails here, once, not in every server worker
        run_ingress(config, bind=bind, workers=workers or config.ingress.workers,
                    threads=threads or config.ingress.threads, server=server)
    except (ConfigError, RuntimeError) as exc:
        raise click.ClickException(str(exc)) from exc


@main.command()
@click.option("--concurrency", "-c", default=2, show_default=True)
@click.option("--pool", "-P", default="prefork", show_default=True,
              type=click.Choice(["prefork", "solo", "threads"]))
@click.option("--loglevel", "-l", default="INFO", show_default=True)
@click.option("--no-reconcile", is_flag=True, help="Do not run this host's reconciler.")
@click.option("--name", "-n", help="Celery node name (default: hookmaker-PID@host).")
@click.option("--heartbeat-file", default="/tmp/hookmaker-worker.heartbeat", show_default=True,
              type=click.Path(path_type=Path), help="Liveness file for worker-health.")
@click.option("--metrics-bind", default="", metavar="HOST:PORT",
              help="Serve /metrics there (e.g. 0.0.0.0:9808); off when empty.")
@click.pass_obj
def worker(obj: Context, concurrency: int, pool: str, loglevel: str, no_reconcile: bool,
           name: str | None, heartbeat_file: Path, metrics_bind: str) -> None:
    """Run a Celery worker with the project's settings (and this host's reconciler)."""
    from hookmaker.worker_runner import run_worker  # noqa: PLC0415
    bind = None
    if metrics_bind:
        host, _, port = metrics_bind.rpartition(":")
        if not port.isdigit():
            raise click.BadParameter("HOST:PORT, e.g. 0.0.0.0:9808", param_hint="--metrics-bind")
        bind = (host or "127.0.0.1", int(port))
    run_worker(obj.config(), concurrency=concurrency, pool=pool, loglevel=loglevel,
               reconcile=not no_reconcile, name=name, heartbeat_file=heartbeat_file,
               metrics_bind=bind)


@main.command("worker-health")
@click.option("--heartbeat-file", default="/tmp/hookmaker-worker.heartbeat", show_default=True,
              type=click.Path(path_type=Path))
@click.option("--max-age", "max_age_s", default=30.0, show_default=True,
              help="Seconds after which a silent heartbeat means unhealthy.")
def worker_health(heartbeat_file: Path, max_age_s: float) -> None:
    """Exit 0 if the worker is consuming and reaches Redis (a liveness probe), else 1."""
    from workers.health import check  # noqa: PLC0415
    problem = check(heartbeat_file, max_age_s)
    if problem:
        click.echo(f"unhealthy: {problem}", err=True)
        sys.exit(1)
    click.echo("healthy")


@main.command()
@click.argument("source")
@click.argument("payload", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--url", help="The ingress (default: the running stack's, or the config port).")
@click.pass_obj
def send(obj: Context, source: str, payload: Path, url: str | None) -> None:
    """Sign PAYLOAD the way SOURCE's sender does, post it, print the answer."""
    import requests  # noqa: PLC0415
    from hookmaker.send import pretty, sign_and_post  # noqa: PLC0415
    config = obj.config(redis=False)
    base = url or context.read_stack_state().get("ingress_url") \
        or f"http://127.0.0.1:{config.ingress.port}"
    try:
        click.echo(pretty(sign_and_post(config, source, payload, base_url=base)))
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    except requests.RequestException as exc:
        raise click.ClickException(f"cannot reach the ingress at {base}: {exc}") from exc


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def stats(obj: Context, as_json: bool) -> None:
    """Events by state (they add up), the oldest pending event, the queue depth."""
    from hookmaker.inspect import format_stats, stats as collect  # noqa: PLC0415
    data = collect(obj.config())
    click.echo(json.dumps(data, indent=2) if as_json else format_stats(data))


@main.command()
@click.pass_obj
def check(obj: Context) -> None:
    """For every route: log in, confirm the layout, each mapped field and the script.

    Prints a table; exits 1 on any problem, so it can gate a deploy.
    """
    from shared.filemaker.check import all_ok, check_routes, format_table  # noqa: PLC0415
    from shared.keys import Keys  # noqa: PLC0415
    from shared.redisconn import connect  # noqa: PLC0415
    config = obj.config()
    rows = check_routes(config, connect(config.redis), Keys(config.redis.prefix))
    click.echo(format_table(rows))
    if not all_ok(rows):
        sys.exit(1)


@main.command()
@click.argument("server")
@click.pass_obj
def resume(obj: Context, server: str) -> None:
    """Resume deliveries to a FileMaker SERVER (as named in the config) after a halt."""
    from hookmaker.inspect import resume as do_resume  # noqa: PLC0415
    config = obj.config()
    if server not in config.filemaker:
        raise click.ClickException(f"no FileMaker server {server!r} in the config; "
                                   f"configured: {', '.join(config.filemaker)}")
    before = do_resume(config, server)
    click.echo(f"{server}: {before['state']} -> closed"
               + (f" (was: {before['reason']})" if before["reason"] else ""))


@main.group()
def events() -> None:
    """Look events up in the event store."""


@events.command("show")
@click.argument("event_id")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def events_show(obj: Context, event_id: str, as_json: bool) -> None:
    """One event: envelope, state, attempt history, body."""
    from hookmaker.inspect import format_event, show_event  # noqa: PLC0415
    view = show_event(obj.config(), event_id)
    if view is None:
        raise click.ClickException(f"no event {event_id} (unknown, or past its retention)")
    click.echo(json.dumps(view, indent=2) if as_json else format_event(view))


def _mount_optional() -> None:
    """Commands whose packages live beside this one."""
    from emulator.cli import emulator  # noqa: PLC0415
    main.add_command(emulator, "emulator")
    from hookmaker.admin_cli import admin  # noqa: PLC0415
    from hookmaker.dlq_cli import dlq  # noqa: PLC0415
    main.add_command(dlq, "dlq")
    main.add_command(admin, "admin")


_mount_optional()

if __name__ == "__main__":
    sys.exit(main())
