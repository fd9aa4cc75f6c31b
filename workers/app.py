"""The Celery worker app: one task, the project's settings, a reconciler per host."""

from __future__ import annotations

import logging

from celery import Celery, signals

from pathlib import Path

from shared import logs, metrics
from shared.celery_settings import TASK_NAME, Wakeups, make_celery
from shared.config import Config
from workers import kombu_ack, runtime as runtime_module
from shared.eventstore import EventStore
from shared.keys import Keys
from shared.redisconn import connect
from shared.stats import snapshot
from workers.health import heartbeat_step
from workers.pipeline import process
from workers.reconciler import Reconciler
from workers.runtime import Runtime

log = logging.getLogger("hookmaker.worker")


def create_worker_app(config: Config, *, reconcile: bool = True,
                      heartbeat_file: Path | None = None,
                      metrics_bind: tuple[str, int] | None = None) -> Celery:
    """The Celery app ``hookmaker worker`` runs. Builds nothing that connects until used."""
    app = make_celery(config, name="hookmaker-worker")
    kombu_ack.install()                  # a failed ack must not stop consumption for good
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
    if metrics_bind is not None:
        _serve_metrics_with_worker(config, metrics_bind)
    return app


def _serve_metrics_with_worker(config: Config, bind: tuple[str, int]) -> None:
    """``/metrics`` on a small HTTP port of the worker's main process (all its children)."""

    @signals.worker_ready.connect(weak=False)
    def _start(**_: object) -> None:
        from prometheus_client import start_http_server  # noqa: PLC0415
        store = EventStore(connect(config.redis), Keys(config.redis.prefix),
                           retention_s=config.worker.retention_s)
        reg = metrics.registry(metrics.StoreCollector(lambda: snapshot(store, config)))
        start_http_server(bind[1], addr=bind[0], registry=reg)
        log.info("metrics on http://%s:%d/metrics", *bind)

    @signals.worker_process_shutdown.connect(weak=False)
    def _child_gone(pid: int | None = None, **_: object) -> None:
        if pid:
            metrics.process_exited(pid)


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
