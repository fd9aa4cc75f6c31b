"""The reconciler: wakes events whose wake-up was lost, is due, or whose worker died.

It runs on every worker host, in a thread of the worker's main process; many at once are
safe, because taking the overdue ids is one atomic step that also pushes their next look
into the future (see ``shared/lua/overdue.lua``). It is also how retries further out than
a few seconds are scheduled: no long Celery countdowns (they re-run after the broker's
visibility timeout, CELERY_REDIS.md item 1).
"""

from __future__ import annotations

import logging
import threading

from shared import requeue
from workers.runtime import Runtime

log = logging.getLogger("hookmaker.reconciler")

BATCH = 500


def reconcile_once(runtime: Runtime) -> int:
    """Publish a wake-up for every overdue event; returns how many were published."""
    cfg = runtime.config.worker
    due, expired = runtime.store.overdue(queue=cfg.queue, batch=BATCH,
                                         look_again_s=max(cfg.lease_s / 2, 10.0))
    if expired:
        log.warning("%d events outlived their lease (a worker died?); waking them", len(expired))
    ids = due + expired
    if ids:
        runtime.wakeups.publish_many(ids)
    requeue.step(runtime)          # bulk requeue jobs, paced; DLQ retention (never raises)
    runtime.store.forget_expired()  # retention: timeline entries of expired events
    return len(ids)


class Reconciler(threading.Thread):
    """Calls :func:`reconcile_once` every interval until stopped."""

    def __init__(self, runtime_factory, interval_s: float) -> None:
        super().__init__(name="hookmaker-reconciler", daemon=True)
        self._runtime_factory = runtime_factory
        self._interval_s = interval_s
        self._stopping = threading.Event()  # not _stop: Thread._stop is called after fork

    def run(self) -> None:
        runtime = self._runtime_factory()
        while not self._stopping.wait(self._interval_s):
            try:
                while reconcile_once(runtime) >= BATCH:
                    pass
            except Exception:       # noqa: BLE001 - Redis away: try again next round
                log.warning("reconcile failed; retrying in %.1f s", self._interval_s,
                            exc_info=True)

    def stop(self) -> None:
        self._stopping.set()
