"""The shared circuit of a FileMaker server, on a real Redis."""

from __future__ import annotations

import time

from shared.keys import Keys
from shared import circuit as circuit_module
from shared.circuit import Circuit


def test_opens_after_consecutive_failures_and_a_probe_closes_it(redis_client, monkeypatch):
    monkeypatch.setattr(circuit_module, "COOL_DOWN_S", 0.2)
    c = Circuit(redis_client, Keys("t"), "main")
    assert c.check().go
    for _ in range(circuit_module.FAILURE_THRESHOLD - 1):
        c.failure("refused")
    assert c.check().state == "closed", "not yet: failures must be consecutive"
    c.failure("refused")
    verdict = c.check()
    assert verdict.state == "open" and not verdict.go and verdict.wait_s > 0
    time.sleep(0.25)
    probe = c.check()
    assert probe.probe and probe.go and probe.state == "half_open"
    other = c.check()
    assert not other.go, "only one probe while half-open"
    c.success()
    assert c.check().state == "closed"


def test_failed_probe_reopens_for_longer(redis_client, monkeypatch):
    monkeypatch.setattr(circuit_module, "COOL_DOWN_S", 0.1)
    c = Circuit(redis_client, Keys("t"), "main")
    for _ in range(circuit_module.FAILURE_THRESHOLD):
        c.failure("812")
    first_wait = c.check().wait_s
    time.sleep(0.15)
    assert c.check().probe
    c.failure("still down")
    assert c.check().wait_s > first_wait


def test_success_resets_the_consecutive_count(redis_client):
    c = Circuit(redis_client, Keys("t"), "main")
    c.failure("x")
    c.failure("x")
    c.success()
    c.failure("x")
    assert c.check().state == "closed"


def test_halt_waits_for_resume(redis_client):
    c = Circuit(redis_client, Keys("t"), "main")
    c.halt("212 bad credentials")
    assert not c.check().go and c.describe()["state"] == "halted"
    c.success()
    assert c.describe()["state"] == "halted", "a lucky success does not lift a halt"
    c.resume()
    assert c.check().go
