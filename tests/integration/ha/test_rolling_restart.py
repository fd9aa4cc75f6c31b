"""Rolling restarts lose nothing: restart every ingress and every worker in turn with
SIGTERM while events flow, then every acknowledged event is in FileMaker exactly once.
And SIGTERM on a worker in the middle of a slow push lets that push finish.

(SIGTERM on an ingress with a request in flight: ``tests/integration/ingress/test_live.py``.)
"""

from __future__ import annotations

import json
import signal
import subprocess
import time
from collections import Counter

import pytest

from hakit import HAPipeline, Sender, ledger, statuses
from hookmaker.testing import adds_up, wait_for

pytestmark = pytest.mark.integration

EVENTS = 300


def sigterm_worker(pipeline: HAPipeline, name: str, timeout_s: float = 60) -> float:
    """SIGTERM a worker's main process only (as systemd's KillMode=mixed and Kubernetes
    do: a SIGTERM to its pool children would cut their pushes short); wait for it to exit.
    Returns how long it took."""
    proc: subprocess.Popen = pipeline.processes[f"worker-{name}"]
    started = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=timeout_s)
    pipeline.stop(f"worker-{name}")          # reaps anything left in its process group
    return time.monotonic() - started


def restart_ingress(pipeline: HAPipeline, name: str) -> None:
    """SIGTERM one ingress (gunicorn drains its in-flight requests), then start it again
    on the same port."""
    url = pipeline.ingress_urls[name]
    pipeline.stop(name)
    pipeline.start_named_ingress(name, port=int(url.rsplit(":", 1)[1]), workers=2)


def test_rolling_restart_under_load_loses_and_doubles_nothing(ha_pipeline, redis_url,
                                                               redis_client, emulator):
    p = ha_pipeline(redis_url, lease_s=10, reconcile_interval_s=0.5)
    p.start_named_ingress("ingress-a", workers=2)
    p.start_named_ingress("ingress-b", workers=2)
    for name in ("w1", "w2"):
        p.start_worker(name, concurrency=2)
    keys = [f"evt_roll_{i:04d}" for i in range(EVENTS)]
    sender = Sender(p, lambda: list(p.ingress_urls.values()), keys=keys, interval_s=0.01)
    sender.start()
    took = {}
    for name in ("ingress-a", "ingress-b"):
        wait_for(lambda: len(sender.acked) >= 30 * (len(took) + 1), timeout_s=30,
                 what="events flowing")
        restart_ingress(p, name)
        took[name] = 0.0
    for name in ("w1", "w2"):
        wait_for(lambda: len(sender.acked) >= 30 * (len(took) + 1), timeout_s=30,
                 what="events flowing")
        took[name] = sigterm_worker(p, name)
        p.start_worker(name, concurrency=2)
    sender.join(60)
    assert not sender.is_alive(), "the sender did not finish"
    counts = p.wait_settled(60)
    result = ledger(p, emulator, sender)
    print(f"\n[rolling restart] answers {dict(statuses(sender))}, worker stop times "
          f"{ {k: round(v, 1) for k, v in took.items() if v} }, {result.line()}, {counts}")

    assert len(sender.acked) == EVENTS, "a sender gave up on an event"
    assert set(statuses(sender)) <= {200, 202, None}, statuses(sender)   # None: refused
    assert result.lost == [] and result.stuck == [] and result.doubled == []
    assert result.delivered == EVENTS and result.records == EVENTS
    assert adds_up(counts) and counts["accepted"] == EVENTS
    assert counts["delivered"] == EVENTS and counts["in_progress"] == 0


def test_sigterm_mid_push_finishes_the_push_and_takes_no_new_work(ha_pipeline, redis_url,
                                                                   redis_client, emulator):
    p = ha_pipeline(redis_url, lease_s=30, reconcile_interval_s=0.5)
    p.start_named_ingress("ingress", workers=1)
    p.start_worker("w1", concurrency=1)
    emulator.fault(latency_ms=1500)            # login and create: a push of ~3 s
    first = p.send("stripe", {"id": "evt_slow", "type": "charge.succeeded"}).json()["id"]
    wait_for(lambda: p.store.get(first).state == "in_progress", timeout_s=20,
             what="the slow push to start")
    proc = p.processes["worker-w1"]
    stopping_at = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    time.sleep(0.5)
    second = p.send("stripe", {"id": "evt_during_drain", "type": "charge.succeeded"}) \
        .json()["id"]
    proc.wait(timeout=40)                      # a warm shutdown: waits for the push
    drained_s = time.monotonic() - stopping_at
    p.stop("worker-w1")
    log = (p.workdir / "worker-w1.log").read_text()

    assert p.store.get(first).state == "delivered", "the push in flight was cut short"
    assert second not in log, "a draining worker took new work"
    assert p.store.get(second).state == "received"
    emulator.clear_faults()
    p.start_worker("w2", concurrency=1)
    p.wait_settled(30)
    records = Counter(json.loads(r["fieldData"]["Payload"])["id"]
                      for r in emulator.records("Hookmaker", "Inbox"))
    print(f"\n[drain] the worker exited {drained_s:.1f} s after SIGTERM")
    assert records == {"evt_slow": 1, "evt_during_drain": 1}
    assert drained_s < 30, "longer than a push needs"
