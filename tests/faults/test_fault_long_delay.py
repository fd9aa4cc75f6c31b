"""A retry delay longer than the broker's visibility timeout.

Promise 5: Celery's countdown on Redis runs such a task again and again (kombu restores the
unacked message after the visibility timeout while the first worker still holds it).
Safe: Hookmaker, with ``visibility_timeout_s = 1`` and retries 2-8 s out: the wake-up is
only a wake-up (claim + dedupe check), and retries past a few seconds ride the reconciler:
one record per event. Known-bad: the naive design (``naive_app.py``): a plain task sent with
a countdown of 6 s against a 2 s visibility timeout, whose effect is a create: the checker
sees more than one record per event.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

from checker import Send, check
from fault_harness import Sender, effects, finals, keys, scaled, verdict, wait_quiet
from hookmaker.processes import spawn, stop, wait_until

pytestmark = pytest.mark.faults

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent


def spare_wakeups(p) -> int:
    """Wake-ups that found nothing to do (the event was early, busy or done)."""
    text = "".join(log.read_text(errors="replace") for log in p.workdir.glob("worker-*.log"))
    return sum(text.count(f"s: '{status}'") for status in ("early", "busy", "done"))


def test_retries_past_the_visibility_timeout_make_one_record(pipeline, emulator):
    n = scaled(60)
    p = pipeline(visibility_timeout_s=1, backoff_base_s=4.0, backoff_cap_s=8.0,
                 max_attempts=6, lease_s=30)
    p.start_ingress()
    p.start_worker("w1", concurrency=2)
    # Every create fails twice with 301 (record in use: Transient, 2 s suggested delay).
    emulator.fault(error={"code": "301", "count": 2 * n, "match": "/records",
                          "method": "POST"})
    sender = Sender(p)
    sender.send_all("stripe", keys("evt_delay", n), concurrency=4)
    time.sleep(3)
    p.start_worker("w2", concurrency=2)   # a starting worker restores unacked messages
    settled = wait_quiet(p, timeout_s=90)
    v = verdict(p, emulator, sender)
    print(f"\nlong delay safe: {v.summary()}; spare wake-ups {spare_wakeups(p)}")
    assert settled, p.counts()
    assert v.effects_by_count == {1: n}, v.summary()
    assert not v.lost and not v.duplicated and not v.dead, v.summary()
    failed = sum(1 for f in finals(p) for a in p.store.get(f.event_id).history
                 if a.outcome == "transient")
    assert failed == 2 * n, "every injected 301 was a retry, scheduled 2-8 s out"


def test_known_bad_naive_countdown_past_visibility_timeout_doubles(redis_url, redis_client,
                                                                  emulator, tmp_path):
    sys.path.insert(0, str(HERE))
    from naive_app import app  # noqa: PLC0415

    app.conf.broker_url = redis_url
    env = dict(os.environ, NAIVE_BROKER=redis_url, NAIVE_FILEMAKER=emulator.data_url(),
               PYTHONPATH=os.pathsep.join([str(HERE), str(ROOT)]))
    log = tmp_path / "naive-worker.log"
    worker = spawn([sys.executable, "-m", "celery", "-A", "naive_app", "worker", "-c", "2",
                    "--without-gossip", "--without-mingle", "--without-heartbeat",
                    "-l", "INFO"], log=log, env=env, cwd=HERE)
    try:
        wait_until(lambda: "ready." in log.read_text(errors="replace"), timeout_s=30,
                   what="naive worker", proc=worker, log=log)
        n = 20
        ledger = []
        for key in keys("evt_naive", n):
            app.send_task("naive.deliver", args=[key], countdown=6)
            ledger.append(Send(key, 202, key))        # "accepted": the publish succeeded
        time.sleep(14)
        v = check(ledger, effects(emulator))
    finally:
        stop(worker)
        app.pool.force_close_all()
    print(f"\nlong delay known-bad (naive): {v.summary()}")
    assert v.duplicated, "the checker must see the extra runs"
