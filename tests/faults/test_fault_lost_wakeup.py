"""The ingress killed between the store write and the publish: events stored, no wake-up.

Simulated exactly: events are stored with no worker running, the ingress is killed with
SIGKILL, and the Celery queue list is deleted, so not one wake-up exists (the same state a
crash between the two steps, or a lost BRPOP, leaves). Promise 2: the reconciler delivers
them anyway. Known-bad: ``no-reconciler``: they stay ``received`` forever.
"""

from __future__ import annotations

import signal

import pytest

from fault_harness import Sender, keys, scaled, verdict, wait_quiet

pytestmark = pytest.mark.faults


def stored_without_wakeups(pipeline, n: int, **settings):
    p = pipeline(reconcile_interval_s=0.5, reconcile_grace_s=1.0, **settings)
    p.start_ingress()
    sender = Sender(p)
    sender.send_all("stripe", keys("evt_nowake", n), concurrency=6)
    p.stop("ingress", sig=signal.SIGKILL)
    queue = p.config.worker.queue
    wakeups = [k for k in p.redis.scan_iter(f"{queue}*")]
    assert wakeups, "the ingress published wake-ups"
    p.redis.delete(*wakeups)
    p.start_worker("w1", concurrency=2)
    p.start_worker("w2", concurrency=2)
    return p, sender


def test_stored_events_without_wakeups_are_delivered_by_the_reconciler(pipeline, emulator):
    n = scaled(200)
    p, sender = stored_without_wakeups(pipeline, n)
    settled = wait_quiet(p, timeout_s=60)
    v = verdict(p, emulator, sender)
    print(f"\nlost wake-ups safe: {v.summary()}")
    assert settled, p.counts()
    assert v.acknowledged == v.delivered == n
    assert not v.lost and not v.duplicated and not v.unexpected, v.summary()


def test_known_bad_without_reconciler_they_are_never_delivered(pipeline, emulator):
    p, sender = stored_without_wakeups(pipeline, 50, unsafe=["no-reconciler"])
    wait_quiet(p, timeout_s=10, still_s=5)
    v = verdict(p, emulator, sender)
    print(f"\nlost wake-ups known-bad: {v.summary()}")
    assert len(v.lost) == 50 and len(v.in_flight) == 50, v.summary()
