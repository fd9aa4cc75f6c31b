"""The one place that turns how a delivery went into the event's next state.

Stages raise outcomes (``shared.errors``); this module decides what follows and how loudly
to log it:

=============  ==========================================  ===================  ========
outcome        next state                                  spends an attempt    log
=============  ==========================================  ===================  ========
(success)      delivered / duplicate / ignored             yes / no / no        INFO
Invalid        dead                                        yes                  WARNING
Permanent      dead                                        yes                  WARNING
Transient      scheduled (backoff), dead when out of       yes                  WARNING
               attempts or too old
Throttled      scheduled (when a slot frees)               no                   DEBUG
Unavailable    scheduled (FileMaker's delay or backoff)    no                   WARNING
Halt           scheduled (long pause; operator resumes)    no                   ERROR
=============  ==========================================  ===================  ========
"""

from __future__ import annotations

import logging
import time

from shared import metrics
from shared.envelope import Attempt
from shared.logs import event_fields
from shared.errors import Halt, Invalid, Outcome, Permanent, Throttled, Transient, Unavailable
from workers import deadletter
from workers.backoff import full_jitter
from shared.circuit import SLOW_S
from workers.context import Delivery
from workers.runtime import Runtime

log = logging.getLogger("hookmaker.worker")

COUNTDOWN_MAX_S = 5.0        # shorter waits ride a Celery countdown; longer, the reconciler
HALT_PAUSE_S = 60.0
UNAVAILABLE_DELAY_S = 5.0


def succeeded(delivery: Delivery, runtime: Runtime, started: float) -> str:
    result = delivery.result or "delivered"
    _tell_circuit(delivery, runtime, None, time.time() - started)
    attempt = Attempt(at=time.time(), outcome=result, message=delivery.message,
                      duration_ms=round((time.time() - started) * 1000, 1))
    extra = {"route": delivery.route.name if delivery.route else ""}
    if delivery.record_id:
        extra["record_id"] = delivery.record_id
    runtime.store.finish(delivery.event_id, delivery.claim, result, attempt=attempt,
                         spend_attempt=result == "delivered", extra=extra)
    log.info("event %s %s: %s", delivery.event_id, result, delivery.message,
             extra=_story(delivery, result))
    metrics.EVENTS.labels(result).inc()
    if result == "delivered":
        metrics.ATTEMPTS.labels(result).inc()
    return result


def failed(delivery: Delivery, runtime: Runtime, outcome: Outcome, started: float) -> str:
    """Record the attempt and move the event on; returns the new state."""
    attempt = Attempt(at=time.time(), outcome=outcome.kind, message=outcome.message,
                      code=outcome.code, duration_ms=round((time.time() - started) * 1000, 1))
    state, delay_s, spend = _next(delivery, runtime, outcome)
    _tell_circuit(delivery, runtime, outcome, time.time() - started)
    _count(outcome, state, delivery)
    if isinstance(outcome, Throttled):
        attempt = None                        # waiting for a slot is not worth a history line
    elif state == "dead" and isinstance(outcome, Transient):
        attempt = Attempt(at=attempt.at, outcome=attempt.outcome, code=attempt.code,
                          message=f"{attempt.message} (gave up: {_why_dead(delivery)})",
                          duration_ms=attempt.duration_ms)
    extra = {"route": delivery.route.name if delivery.route else "",
             "last_error": str(outcome)[:500]}
    if delivery.route is not None:
        extra["filemaker"] = delivery.route.filemaker
    if state == "dead":
        deadletter.bury(delivery, runtime, attempt, extra)
        _log(outcome, delivery, state, 0.0)
        return state
    due_at = time.time() + delay_s
    short = delay_s <= COUNTDOWN_MAX_S
    finished = runtime.store.finish(
        delivery.event_id, delivery.claim, state, attempt=attempt, spend_attempt=spend,
        due_at=due_at, poke_at=due_at + runtime.config.worker.reconcile_grace_s if short else 0,
        extra=extra)
    if finished and short:
        _wake_later(runtime, delivery.event_id, delay_s)
    _log(outcome, delivery, state, delay_s)
    return state


def _next(delivery: Delivery, runtime: Runtime, outcome: Outcome) -> tuple[str, float, bool]:
    if isinstance(outcome, (Invalid, Permanent)):
        return "dead", 0.0, True
    if isinstance(outcome, Transient) or (
            isinstance(outcome, Unavailable) and not isinstance(outcome, Throttled)
            and runtime.config.worker.broken("unavailable-spends-attempts")):
        if _why_dead(delivery):
            return "dead", 0.0, True
        cfg = runtime.config.worker
        delay = full_jitter(delivery.record.attempts, base_s=cfg.backoff_base_s,
                            cap_s=cfg.backoff_cap_s)
        return "scheduled", max(delay, outcome.delay_s or 0.0), True
    if isinstance(outcome, Unavailable):
        return "scheduled", outcome.delay_s or UNAVAILABLE_DELAY_S, False
    if isinstance(outcome, Halt):
        return "scheduled", HALT_PAUSE_S, False
    return "dead", 0.0, True


def _count(outcome: Outcome, state: str, delivery: Delivery) -> None:
    metrics.EVENTS.labels(state).inc()
    if isinstance(outcome, Throttled):
        if delivery.route is not None:
            metrics.RATELIMIT_WAITS.labels(delivery.route.filemaker).inc()
    else:
        metrics.ATTEMPTS.labels(outcome.kind).inc()


def _tell_circuit(delivery: Delivery, runtime: Runtime, outcome: Outcome | None,
                  took_s: float) -> None:
    """Keep the server's circuit informed: only FileMaker's own health counts."""
    verdict = delivery.notes.get("circuit")
    if verdict is None or isinstance(outcome, Throttled):
        return                             # never got to FileMaker
    circuit = runtime.circuit(delivery.route.filemaker)
    if isinstance(outcome, Halt):
        circuit.halt(str(outcome))
    elif isinstance(outcome, Unavailable):
        circuit.failure(str(outcome))
    elif took_s > SLOW_S:
        circuit.failure(f"slow: {took_s:.1f} s")
    elif verdict.probe or verdict.failures:
        circuit.success()


def _why_dead(delivery: Delivery) -> str:
    """Why a transient failure is the last one: out of attempts, or too old. '' if not."""
    route, record = delivery.route, delivery.record
    if route is None:
        return ""
    if record.attempts + 1 >= route.max_attempts:
        return f"{record.attempts + 1} attempts, the route allows {route.max_attempts}"
    age_s = time.time() - record.envelope.received_at
    if age_s > route.max_age_s:
        return f"{age_s:.0f} s old, the route allows {route.max_age_s:.0f} s"
    return ""


def _wake_later(runtime: Runtime, event_id: str, delay_s: float) -> None:
    try:
        runtime.wakeups.publish(event_id, countdown_s=max(0.0, delay_s))
    except Exception:      # noqa: BLE001 - best effort: the reconciler wakes it at poke_at
        log.warning("event %s: could not publish its wake-up; the reconciler will",
                    event_id, exc_info=True)


def _log(outcome: Outcome, delivery: Delivery, state: str, delay_s: float) -> None:
    level = {Throttled: logging.DEBUG, Halt: logging.ERROR}.get(type(outcome), logging.WARNING)
    after = f" in {delay_s:.1f} s" if state == "scheduled" else ""
    log.log(level, "event %s %s (%s%s): %s", delivery.event_id, state, outcome.kind, after,
            outcome, extra=dict(_story(delivery, state), code=outcome.code))


def _story(delivery: Delivery, outcome: str) -> dict:
    return event_fields(delivery.event_id, source=delivery.record.envelope.source,
                        route=delivery.route.name if delivery.route else None, outcome=outcome)
