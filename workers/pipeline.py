"""The delivery pipeline: the stages, in order, declared once.

``process`` takes an event id (what a Celery message carries), claims the event, runs the
stages until one of them settles it, and hands the result to :mod:`workers.settle`.
"""

from __future__ import annotations

import logging
import time

from shared.errors import Outcome, Permanent, Transient
from workers import dedupe, push, ratelimit, validate
from workers.context import Delivery
from workers.runtime import Runtime
from workers import settle

log = logging.getLogger("hookmaker.worker")

STAGES = (validate, ratelimit, dedupe, push)     # then settle (and deadletter)


def process(event_id: str, runtime: Runtime) -> str:
    """Work on one event. Returns what became of it (a state, or why nothing was done)."""
    claim = runtime.store.claim(event_id, lease_s=runtime.config.worker.lease_s)
    if claim.status != "claimed":
        return claim.status                  # done, busy, early or missing: a spare wake-up
    delivery = Delivery(record=claim.record, claim=claim)
    started = time.time()
    if claim.poison:
        return settle.failed(delivery, runtime, Permanent(
            f"workers died {claim.detail.split(':')[1]} times while working on this event"),
            started)
    try:
        for stage in STAGES:
            stage.run(delivery, runtime)
            if delivery.result:
                break
    except Outcome as outcome:
        return settle.failed(delivery, runtime, outcome, started)
    except Exception as exc:             # noqa: BLE001 - a bug must not lose the event
        log.exception("event %s: unexpected error", event_id)
        return settle.failed(delivery, runtime,
                             Transient(f"unexpected {type(exc).__name__}: {exc}"), started)
    finally:
        for cleanup in delivery.cleanups:
            cleanup()
    return settle.succeeded(delivery, runtime, started)
