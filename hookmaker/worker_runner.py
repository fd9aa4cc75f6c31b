"""Run a Celery worker with the project's settings, in this process."""

from __future__ import annotations

import os
from pathlib import Path

from shared.config import Config


def run_worker(config: Config, *, concurrency: int, pool: str, loglevel: str,
               reconcile: bool, name: str | None, heartbeat_file: Path,
               metrics_bind: tuple[str, int] | None) -> None:
    """Run a Celery worker until it is told to stop (SIGTERM: soft, then warm shutdown)."""
    from shared.metrics_dir import ensure_multiprocess_dir  # noqa: PLC0415
    ensure_multiprocess_dir("worker")        # before any metric exists and before the fork
    from workers.app import create_worker_app  # noqa: PLC0415 - only workers need Celery's worker
    app = create_worker_app(config, reconcile=reconcile, heartbeat_file=heartbeat_file,
                            metrics_bind=metrics_bind)
    argv = ["worker", "--queues", config.worker.queue, "--concurrency", str(concurrency),
            "--pool", pool, "--loglevel", loglevel, "--without-gossip", "--without-mingle",
            "--without-heartbeat", "--hostname", name or f"hookmaker-{os.getpid()}@%h"]
    app.worker_main(argv)
