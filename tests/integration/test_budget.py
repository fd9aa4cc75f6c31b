"""The FileMaker budget, and the circuit passed in the same round trip, on a real Redis."""

from __future__ import annotations

import time

import pytest

from shared import circuit as circuit_module
from shared.celery_settings import Wakeups, make_celery
from shared.envelope import Envelope, new_ulid
from shared.errors import Throttled
from workers import ratelimit
from workers.context import Delivery
from workers.runtime import Runtime


@pytest.fixture
def runtime(pipeline):
    p = pipeline(rate_per_s=1000, max_in_flight=2)
    rt = Runtime.build(p.config, Wakeups(make_celery(p.config, name="budget-test"),
                                         p.config.worker.queue))
    yield rt
    rt.close()


def _delivery(rt: Runtime) -> Delivery:
    now = time.time()
    envelope = Envelope(id=new_ulid(now), source="stripe", received_at=now, body=b"{}",
                        headers={})
    rt.store.accept(envelope, poke_after_s=60)
    claim = rt.store.claim(envelope.id, lease_s=30)
    assert claim.status == "claimed"
    route = next(r for r in rt.config.routes if r.source == "stripe")
    return Delivery(record=claim.record, claim=claim, route=route)


def _in_flight(rt: Runtime) -> int:
    return rt.redis.zcard(rt.keys.fm_in_flight("main"))


def test_closed_circuit_and_budget_pass_in_one_step(runtime) -> None:
    budget = runtime.budget("main")
    grant = budget.take()
    assert grant.slot and not grant.ask_circuit and grant.circuit_failures == 0
    runtime.circuit("main").failure("refused")
    assert budget.take().circuit_failures == 1         # settle resets it after a success
    assert _in_flight(runtime) == 2
    full = budget.take()
    assert full.slot is None and full.wait_s > 0 and not full.ask_circuit


def test_open_circuit_takes_nothing_from_the_budget(runtime, monkeypatch) -> None:
    circuit = runtime.circuit("main")
    for _ in range(circuit_module.FAILURE_THRESHOLD):
        circuit.failure("refused")
    budget = runtime.budget("main")
    asked = budget.take()
    assert asked.ask_circuit and asked.slot is None
    assert _in_flight(runtime) == 0 and not runtime.redis.exists(runtime.keys.fm_rate("main"))
    assert budget.take(look_at_circuit=False).slot      # the probe's own take


def test_stage_waits_while_open_then_one_delivery_is_the_probe(runtime, monkeypatch) -> None:
    monkeypatch.setattr(circuit_module, "COOL_DOWN_S", 0.2)
    circuit = runtime.circuit("main")
    for _ in range(circuit_module.FAILURE_THRESHOLD):
        circuit.failure("refused")
    waiting = _delivery(runtime)
    with pytest.raises(Throttled, match="circuit is open"):
        ratelimit.run(waiting, runtime)
    assert _in_flight(runtime) == 0
    time.sleep(0.25)
    probe, other = _delivery(runtime), _delivery(runtime)
    ratelimit.run(probe, runtime)
    assert probe.notes["circuit"].probe and len(probe.cleanups) == 1
    assert _in_flight(runtime) == 1
    with pytest.raises(Throttled, match="half_open"):
        ratelimit.run(other, runtime)                   # one probe at a time
    for cleanup in probe.cleanups:
        cleanup()
    assert _in_flight(runtime) == 0


def test_stage_on_a_closed_circuit_keeps_its_failures_for_settle(runtime) -> None:
    runtime.circuit("main").failure("refused")
    delivery = _delivery(runtime)
    ratelimit.run(delivery, runtime)
    verdict = delivery.notes["circuit"]
    assert verdict.state == "closed" and not verdict.probe and verdict.failures == 1
