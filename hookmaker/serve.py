"""Run one part: the ingress under gunicorn, or a Celery worker with the project's settings."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from shared.config import Config

GUNICORN_APP = "ingress.app:create_app_from_env()"


def gunicorn_argv(config: Config, *, bind: str, workers: int, threads: int) -> list[str]:
    """The gunicorn command line for the ingress (graceful SIGTERM is gunicorn's own)."""
    return [sys.executable, "-m", "gunicorn", GUNICORN_APP, "--bind", bind,
            "--workers", str(workers), "--threads", str(threads),
            "--worker-class", "gthread" if threads > 1 else "sync",
            "--graceful-timeout", "30", "--timeout", "30", "--keep-alive", "5",
            "--access-logfile", "-", "--log-level", "info"]


def run_ingress(config: Config, *, bind: str, workers: int, threads: int) -> None:
    """Replace this process with gunicorn serving the ingress."""
    env = dict(os.environ, HOOKMAKER_CONFIG=str(config.path.resolve()))
    if config.redis.url:
        env["REDIS_URL"] = config.redis.url
    argv = gunicorn_argv(config, bind=bind, workers=workers, threads=threads)
    os.execve(argv[0], argv, env)


def run_worker(config: Config, *, concurrency: int, pool: str, loglevel: str,
               reconcile: bool, name: str | None, heartbeat_file: Path) -> None:
    """Run a Celery worker in this process until it is told to stop."""
    from workers.app import create_worker_app  # noqa: PLC0415 - only workers need Celery's worker
    app = create_worker_app(config, reconcile=reconcile, heartbeat_file=heartbeat_file)
    argv = ["worker", "--queues", config.worker.queue, "--concurrency", str(concurrency),
            "--pool", pool, "--loglevel", loglevel, "--without-gossip", "--without-mingle",
            "--without-heartbeat", "--hostname", name or f"hookmaker-{os.getpid()}@%h"]
    app.worker_main(argv)
