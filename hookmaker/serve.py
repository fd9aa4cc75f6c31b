"""Serve the ingress under gunicorn (or granian). Workers: ``hookmaker/worker_runner.py``."""

from __future__ import annotations

import os
import sys

from shared.config import Config

GUNICORN_APP = "ingress.app:create_app_from_env()"
GRANIAN_FACTORY = "ingress.app:create_app_from_env"
SERVERS = ("gunicorn", "granian")
# The path without its query string: an API key sent as ``?key=`` must not reach the log.
ACCESS_LOG_FORMAT = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms rid=%({x-request-id}o)s'


def gunicorn_argv(config: Config, *, bind: str, workers: int, threads: int,
                  access_log: bool = True) -> list[str]:
    """The gunicorn command line for the ingress. SIGTERM is graceful (gunicorn's own):
    workers stop accepting and finish in-flight requests for up to ``graceful_timeout_s``.
    One thread means the sync worker (no keep-alive: no sticky-connection imbalance)."""
    graceful = str(config.ingress.graceful_timeout_s)
    argv = [sys.executable, "-m", "gunicorn", GUNICORN_APP, "--bind", bind,
            "--workers", str(workers), "--threads", str(threads),
            "--worker-class", "gthread" if threads > 1 else "sync",
            "--graceful-timeout", graceful, "--timeout", "30", "--keep-alive", "5",
            "--log-level", "info"]
    if access_log:
        argv += ["--access-logfile", "-", "--access-logformat", ACCESS_LOG_FORMAT]
    return argv


def granian_argv(config: Config, *, bind: str, workers: int, threads: int,
                 access_log: bool = True) -> list[str]:
    """The granian (WSGI) command line. ``threads`` sets ``--blocking-threads`` explicitly:
    granian's default (hundreds per worker) costs throughput and tail latency as soon as a
    handler waits on Redis."""
    host, _, port = bind.rpartition(":")
    argv = [sys.executable, "-m", "granian", "--interface", "wsgi", "--factory",
            "--host", host or "127.0.0.1", "--port", port, "--workers", str(workers),
            "--blocking-threads", str(threads), "--no-ws", "--log-level", "info",
            "--workers-kill-timeout", str(config.ingress.graceful_timeout_s)]
    if access_log:
        argv += ["--access-log", "--access-log-fmt",
                 '%(addr)s "%(method)s %(path)s" %(status)d %(dt_ms).1fms']
    return argv + [GRANIAN_FACTORY]


def server_argv(config: Config, *, server: str, bind: str, workers: int, threads: int,
                access_log: bool = True) -> list[str]:
    """The command line of ``server`` (gunicorn or granian) serving the ingress.

    Raises:
        ValueError: an unknown server.
    """
    if server == "gunicorn":
        return gunicorn_argv(config, bind=bind, workers=workers, threads=threads,
                             access_log=access_log)
    if server == "granian":
        return granian_argv(config, bind=bind, workers=workers, threads=threads,
                            access_log=access_log)
    raise ValueError(f"unknown server {server!r}; choose one of {', '.join(SERVERS)}")


def run_ingress(config: Config, *, bind: str, workers: int, threads: int,
                server: str | None = None) -> None:
    """Replace this process with the WSGI server serving the ingress.

    Raises:
        RuntimeError: granian was asked for but is not installed.
    """
    server = server or config.ingress.server
    if server == "granian":
        try:
            import granian  # noqa: F401, PLC0415 - an optional dependency
        except ImportError as exc:
            raise RuntimeError("granian is not installed: pip install 'hookmaker[granian]'") \
                from exc
    from shared.metrics_dir import ensure_multiprocess_dir  # noqa: PLC0415
    ensure_multiprocess_dir("ingress")      # every server process writes its counters there
    env = dict(os.environ, HOOKMAKER_CONFIG=str(config.path.resolve()))
    if config.redis.url:
        env["REDIS_URL"] = config.redis.url
    argv = server_argv(config, server=server, bind=bind, workers=workers, threads=threads)
    os.execve(argv[0], argv, env)
