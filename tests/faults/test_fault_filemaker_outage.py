"""FileMaker down for 60 s mid-run (the emulator refuses connections).

Promise 4: waiting for FileMaker does not use up an event's retries or send it to the
dead-letter store; deliveries resume by themselves (the safe run allows only 2 attempts,
so an outage that spent them would show). Known-bad: ``unavailable-spends-attempts`` with
``max_attempts = 1`` and a 10 s outage: the outage burns events into the dead-letter store,
and the checker must report dead letters caused by it.
"""

from __future__ import annotations

import time

import pytest

from fault_harness import Sender, keys, scaled, verdict, wait_quiet

pytestmark = pytest.mark.faults

SETTINGS = {"lease_s": 10, "reconcile_interval_s": 0.5, "reconcile_grace_s": 1.0,
            "read_timeout_s": 5, "max_sessions": 2, "max_attempts": 2}
OUTAGE_S = 60


def outage_run(pipeline, emulator, *, outage_s: int, before: int, during: int, **settings):
    p = pipeline(**{**SETTINGS, **settings})
    p.start_ingress()
    p.start_worker("w1", concurrency=2)
    p.start_worker("w2", concurrency=2)
    emulator.fault(latency_ms=10)
    sender = Sender(p)
    sender.send_all("stripe", keys("evt_before", before), concurrency=4)
    emulator.fault(down_s=outage_s)
    down_at = time.monotonic()
    spread = max(1.0, outage_s / 3)                  # events keep coming while it is down
    for batch in range(3):
        sender.send_all("stripe", keys(f"evt_during{batch}", during // 3), concurrency=4)
        time.sleep(max(0.0, down_at + spread * (batch + 1) - time.monotonic()))
    return p, sender, down_at


def test_filemaker_down_60s_no_dead_letters_and_all_delivered_after(pipeline, emulator):
    outage_s = scaled(OUTAGE_S)
    p, sender, down_at = outage_run(pipeline, emulator, outage_s=outage_s, before=60,
                                    during=scaled(240))
    mid = p.counts()
    settled = wait_quiet(p, timeout_s=outage_s + 90)
    back_after_s = time.monotonic() - down_at
    v = verdict(p, emulator, sender)
    print(f"\noutage safe: settled {back_after_s:.0f} s after it went down "
          f"({outage_s} s outage); mid-outage {mid}; {v.summary()}")
    assert mid["delivered"] < v.acknowledged, "the outage held events back"
    assert settled, p.counts()
    assert not v.dead, v.dead_causes()
    assert not v.lost and not v.duplicated and not v.unexpected, v.summary()
    assert v.delivered == v.acknowledged == 60 + 3 * (scaled(240) // 3)


def test_known_bad_outage_spending_attempts_makes_dead_letters(pipeline, emulator):
    p, sender, _ = outage_run(pipeline, emulator, outage_s=10, before=20, during=60,
                              max_attempts=1, unsafe=["unavailable-spends-attempts"])
    time.sleep(3)                    # the outage is over; the dead stay dead
    v = verdict(p, emulator, sender)
    print(f"\noutage known-bad: {v.summary()}")
    assert v.dead, "the checker must see the dead letters the outage caused"
    assert set(v.dead_causes()) == {"unavailable"}, v.dead_causes()
