"""The ``emulator`` command: serve, set faults on a running emulator, read its stats."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click
import requests

from emulator.defaults import (
    DEFAULT_CLOCK_SCALE,
    DEFAULT_DATA_DIR,
    DEFAULT_HOST,
    DEFAULT_PORT,
    DEFAULT_SCHEMA_PATH,
    DEFAULT_SESSION_CAP,
    DEFAULT_SESSION_IDLE_S,
)
from emulator.schema import SchemaError
from emulator.settings import EmulatorSettings

DEFAULT_URL = f"http://{DEFAULT_HOST}:{DEFAULT_PORT}"
READY_PREFIX = "Emulator serving on "


@click.group("emulator", invoke_without_command=True)
@click.option("--host", default=DEFAULT_HOST, show_default=True)
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=int,
              help="0 picks a free port.")
@click.option("--schema", "schema_path", default=DEFAULT_SCHEMA_PATH, show_default=True,
              type=click.Path(path_type=Path))
@click.option("--data", "data_dir", default=DEFAULT_DATA_DIR, show_default=True,
              type=click.Path(path_type=Path))
@click.option("--session-idle-s", default=DEFAULT_SESSION_IDLE_S, show_default=True, type=float)
@click.option("--session-cap", default=DEFAULT_SESSION_CAP, show_default=True, type=int,
              help="Open sessions per database before 812.")
@click.option("--clock-scale", default=DEFAULT_CLOCK_SCALE, show_default=True, type=float,
              help="Session clock speed (2 = twice real time).")
@click.option("--access-log", "access_log_path", default=None, type=click.Path(path_type=Path),
              help="fmdapi.log-style access log file.")
@click.option("-v", "--verbose", is_flag=True, help="Log every request to stderr.")
@click.pass_context
def emulator(ctx: click.Context, **options: Any) -> None:
    """FileMaker Data API emulator (SQLite-backed). Alone, it serves."""
    if ctx.invoked_subcommand is not None:
        return
    try:
        settings = EmulatorSettings(**options)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc
    serve(settings)


def serve(settings: EmulatorSettings) -> None:
    """Serve until SIGTERM/SIGINT; prints the ready line on stdout.

    Raises:
        click.ClickException: the schema is invalid.
    """
    from emulator.app import create_app
    from emulator.server import (EmulatorServer, configure_logging, install_signal_handlers,
                                 log_requests)

    configure_logging(settings.verbose)
    try:
        app = create_app(settings)
    except SchemaError as exc:
        raise click.ClickException(f"schema: {exc}") from exc
    if settings.verbose:
        log_requests(app)
    state = app.extensions["emulator"]
    server = EmulatorServer(app, settings.host, settings.port)
    state.go_down = server.go_down
    install_signal_handlers()
    try:
        server.serve(lambda url: click.echo(READY_PREFIX + url))
    finally:
        state.close()


def _call(method: str, url: str, path: str, body: dict[str, Any] | None = None) -> None:
    try:
        resp = requests.request(method, url.rstrip("/") + path, json=body, timeout=10)
    except requests.RequestException as exc:
        raise click.ClickException(f"cannot reach the emulator at {url}: {exc}") from exc
    click.echo(json.dumps(resp.json(), indent=2))
    if resp.status_code >= 400:
        sys.exit(1)


url_option = click.option("--url", default=DEFAULT_URL, show_default=True,
                          help="Base URL of a running emulator.")


@emulator.group("fault")
@url_option
@click.pass_context
def fault(ctx: click.Context, url: str) -> None:
    """Set or clear faults on a running emulator."""
    ctx.obj = url


def _post(ctx: click.Context, body: dict[str, Any]) -> None:
    _call("POST", ctx.obj, "/_emulator/faults", body)


@fault.command("latency")
@click.argument("ms", type=float, required=False)
@click.option("--uniform", nargs=2, type=float, metavar="MIN MAX")
@click.option("--normal", nargs=2, type=float, metavar="MEAN STDDEV")
@click.option("--exponential", type=float, metavar="MEAN")
@click.option("--degrade", type=float, help="Extra ms per request, growing.")
@click.pass_context
def latency(ctx: click.Context, ms: float | None, uniform: tuple[float, float] | None,
            normal: tuple[float, float] | None, exponential: float | None,
            degrade: float | None) -> None:
    """Add latency to every Data API request (milliseconds)."""
    body: dict[str, Any] = {}
    if ms is not None:
        body["latency_ms"] = ms
    if uniform:
        body["latency"] = {"distribution": "uniform", "min_ms": uniform[0], "max_ms": uniform[1]}
    if normal:
        body["latency"] = {"distribution": "normal", "mean_ms": normal[0], "stddev_ms": normal[1]}
    if exponential is not None:
        body["latency"] = {"distribution": "exponential", "mean_ms": exponential}
    if degrade is not None:
        body["degrade_ms_per_request"] = degrade
    if not body:
        raise click.UsageError("give MS, --uniform, --normal, --exponential or --degrade")
    _post(ctx, body)


@fault.command("error")
@click.argument("code")
@click.option("--count", type=int, help="For the next N requests.")
@click.option("--fraction", type=float, help="For this fraction of requests.")
@click.option("--match", help="Only paths containing this text.")
@click.option("--method", help="Only this HTTP method.")
@click.pass_context
def error(ctx: click.Context, code: str, count: int | None, fraction: float | None,
          match: str | None, method: str | None) -> None:
    """Answer FileMaker error CODE (until cleared, N times, or a fraction of requests)."""
    spec = {"code": code, "count": count, "fraction": fraction, "match": match, "method": method}
    _post(ctx, {"error": {k: v for k, v in spec.items() if v is not None}})


@fault.command("lock")
@click.argument("database")
@click.argument("table")
@click.argument("record_id", type=int, required=False)
@click.pass_context
def lock(ctx: click.Context, database: str, table: str, record_id: int | None) -> None:
    """Lock a record (or every record of TABLE): edits and deletes get 301."""
    _post(ctx, {"lock": {"database": database, "table": table, "record_id": record_id}})


@fault.command("closed")
@click.argument("database", required=False)
@click.pass_context
def closed(ctx: click.Context, database: str | None) -> None:
    """Close a file (every file when omitted): 802."""
    _post(ctx, {"file_closed": database if database else True})


@fault.command("invalidate-tokens")
@click.pass_context
def invalidate_tokens(ctx: click.Context) -> None:
    """Invalidate every token, as a server restart does: 952."""
    _post(ctx, {"invalidate_tokens": True})


@fault.command("disable")
@click.pass_context
def disable(ctx: click.Context) -> None:
    """Switch the Data API off: 502 with an HTML body."""
    _post(ctx, {"data_api_disabled": True})


@fault.command("down")
@click.argument("seconds", type=float)
@click.pass_context
def down(ctx: click.Context, seconds: float) -> None:
    """Refuse connections for SECONDS, then serve again."""
    _post(ctx, {"down_s": seconds})


@fault.command("session-cap")
@click.argument("cap", type=int)
@click.pass_context
def session_cap(ctx: click.Context, cap: int) -> None:
    """Change the per-database session cap (812 past it)."""
    _post(ctx, {"session_cap": cap})


@fault.command("byte-budget")
@click.argument("nbytes", type=int)
@click.pass_context
def byte_budget(ctx: click.Context, nbytes: int) -> None:
    """Answer 953 once this many response bytes were sent."""
    _post(ctx, {"byte_budget": nbytes})


@fault.command("clear")
@click.pass_context
def clear(ctx: click.Context) -> None:
    """Remove every fault."""
    _call("DELETE", ctx.obj, "/_emulator/faults")


@fault.command("show")
@click.pass_context
def show(ctx: click.Context) -> None:
    """Show the active faults."""
    _call("GET", ctx.obj, "/_emulator/faults")


@emulator.command("stats")
@url_option
def stats(url: str) -> None:
    """Request counts per second, sessions and logins of a running emulator."""
    _call("GET", url, "/_emulator/stats")


@emulator.command("reset")
@url_option
def reset(url: str) -> None:
    """Drop all records, sessions, faults and counters of a running emulator."""
    _call("POST", url, "/_emulator/reset")


@emulator.command("records")
@url_option
@click.argument("database")
@click.argument("layout")
@click.option("--json", "as_json", is_flag=True, help="The raw records as JSON.")
def records(url: str, database: str, layout: str, as_json: bool) -> None:
    """List the records of LAYOUT in DATABASE of a running emulator."""
    import requests  # noqa: PLC0415
    response = requests.get(f"{url.rstrip('/')}/_emulator/records/{database}/{layout}",
                            timeout=10)
    if response.status_code != 200:
        raise click.ClickException(f"HTTP {response.status_code}: {response.text[:300]}")
    rows = response.json()
    rows = rows.get("records", rows) if isinstance(rows, dict) else rows
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    click.echo(f"{len(rows)} record(s) in {database} / {layout}")
    for row in rows:
        click.echo(f"\nrecordId {row.get('recordId')}")
        for field, value in row.get("fieldData", {}).items():
            text = str(value)
            click.echo(f"  {field:<14} {text[:100] + ('...' if len(text) > 100 else '')}")


@emulator.command("clock")
@url_option
@click.argument("seconds", type=float)
def clock(url: str, seconds: float) -> None:
    """Advance the session clock of a running emulator by SECONDS."""
    _call("POST", url, "/_emulator/clock", {"advance_s": seconds})


def main() -> None:
    """Entry point of ``python -m emulator``."""
    emulator(prog_name="python -m emulator")
