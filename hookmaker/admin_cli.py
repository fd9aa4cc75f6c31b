"""``hookmaker admin``: serve the support console (and make password hashes for it)."""

from __future__ import annotations

import os
import sys

import click

ADMIN_APP = "admin.app:create_app_from_env()"


@click.group(invoke_without_command=True)
@click.option("--bind", default=None, metavar="HOST:PORT",
              help="Where to listen (default: 127.0.0.1 and [admin] port, 8081).")
@click.option("--threads", default=4, show_default=True, help="Threads of the one worker.")
@click.pass_context
def admin(ctx: click.Context, bind: str | None, threads: int) -> None:
    """Serve the console (pages and JSON API) under gunicorn. Login required everywhere."""
    if ctx.invoked_subcommand is not None:
        return
    from shared.adminconfig import console_settings, describe  # noqa: PLC0415
    from shared.errors import ConfigError  # noqa: PLC0415
    config = ctx.find_root().obj.config()
    try:
        settings = console_settings(config)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    bind = bind or f"127.0.0.1:{settings.port}"
    click.echo(f"console on http://{bind}/  {describe(settings)}", err=True)
    env = dict(os.environ, HOOKMAKER_CONFIG=str(config.path.resolve()))
    if config.redis.url:
        env["REDIS_URL"] = config.redis.url
    # One worker process: without [admin] session_key, its random key must be the only one.
    argv = [sys.executable, "-m", "gunicorn", ADMIN_APP, "--bind", bind, "--workers", "1",
            "--threads", str(threads), "--worker-class", "gthread", "--timeout", "120",
            "--graceful-timeout", "10", "--access-logfile", "-", "--log-level", "info"]
    os.execve(argv[0], argv, env)


@admin.command("hash-password")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="Prompted for when not given (keep it out of shell history).")
def hash_password(password: str) -> None:
    """Print the hash to put in [admin.accounts.NAME] password_hash."""
    from admin.auth import hash_password as make  # noqa: PLC0415
    click.echo(make(password))
