"""The Celery worker app: one task, the project's settings, a reconciler per host."""

from __future__ import annotations

import logging

from celery import Celery, signals

from pathlib import Path

from shared import logs
from shared.celery_settings import TASK_NAME, Wakeups, make_celery
from shared.config import Config
from workers import runtime as runtime_module
from shared.redisconn import connect
from workers.health import heartbeat_step
from workers.pipeline import process
from workers.reconciler import Reconciler
from workers.runtime import Runtime

log = logging.getLogger("hookmaker.worker")


def create_worker_app(config: Config, *, reconcile: bool = True,
                      heartbeat_file: Path | None = None) -> Celery:
    """The Celery app ``hookmaker worker`` runs. Builds nothing that connects until used."""
    app = make_celery(config, name="hookmaker-worker")
    wakeups = Wakeups(app, config.worker.queue)
    runtime_module.install(lambda: Runtime.build(config, wakeups))
    if heartbeat_file is not None:
        ping = connect(config.redis).ping
        app.steps["consumer"].add(heartbeat_step(heartbeat_file, ping))
    signals.setup_logging.connect(lambda **_: logs.setup("worker"), weak=False)

    @app.task(name=TASK_NAME, ignore_result=True)
    def deliver(event_id: str) -> str:
        return process(event_id, runtime_module.current())

    if reconcile and not config.worker.broken("no-reconciler"):
        _start_reconciler_with_worker(config, wakeups)
    return app


def _start_reconciler_with_worker(config: Config, wakeups: Wakeups) -> None:
    reconciler: dict[str, Reconciler] = {}

    @signals.worker_ready.connect(weak=False)
    def _start(**_: object) -> None:
        thread = Reconciler(lambda: Runtime.build(config, wakeups),
                            config.worker.reconcile_interval_s)
        thread.start()
        reconciler["thread"] = thread
        log.info("reconciler running every %.1f s", config.worker.reconcile_interval_s)

    @signals.worker_shutting_down.connect(weak=False)
    def _stop(**_: object) -> None:
        if "thread" in reconciler:
            reconciler["thread"].stop()
