"""4 worker processes against a FileMaker budget of 20 requests/s.

Promise 4: all workers together stay under the configured request rate. The emulator counts
Data API requests (logins included) per wall-clock second; over the steady middle of the
run (the first seconds, with the logins and the workers' start, and the last partial second
dropped) no second may exceed 20 and the mean must be at least 19. Known-bad: ``no-budget``:
the counts exceed 20.
"""

from __future__ import annotations

import math
import time

import pytest

from fault_harness import Sender, keys, per_second, scaled
from hookmaker.testing import wait_for

pytestmark = pytest.mark.faults

RATE = 20
WORKERS = 4


def run_against_budget(pipeline, emulator, window_s: int, *, skip_s: int = 2, **settings):
    """Queue more events than the window needs, start 4 workers, count per second from
    ``skip_s`` seconds after they are all up (``skip_s = 0``: from the first one's start)."""
    p = pipeline(rate_per_s=RATE, max_in_flight=8, max_sessions=4, **settings)
    p.start_ingress(workers=2)
    Sender(p).send_all("stripe", keys("evt_budget", RATE * (window_s + 8)), concurrency=8)
    first = time.time()
    for i in range(WORKERS):
        p.start_worker(f"w{i + 1}", concurrency=1, wait=False)
    for i in range(WORKERS):
        log = p.workdir / f"worker-w{i + 1}.log"
        wait_for(lambda: "ready." in log.read_text(errors="replace"), timeout_s=30,
                 what=f"worker w{i + 1}")
    start = math.ceil(time.time()) + skip_s if skip_s else int(first)
    end = start + window_s
    time.sleep(max(0.0, end + 1.2 - time.time()))
    counts = per_second(emulator, since=start, until=end)
    for name in list(p.processes):
        if name.startswith("worker-"):
            p.stop(name)
    return counts


def test_four_workers_stay_within_20_per_second_and_use_it(pipeline, emulator):
    counts = run_against_budget(pipeline, emulator, scaled(15))
    mean = sum(counts) / len(counts)
    print(f"\nbudget safe: per-second counts {counts}; max {max(counts)}, min {min(counts)}, "
          f"mean {mean:.2f}")
    assert max(counts) <= RATE, counts
    assert mean >= RATE - 1, counts


def test_known_bad_without_the_budget_the_counts_exceed_it(pipeline, emulator):
    counts = run_against_budget(pipeline, emulator, 6, skip_s=0, unsafe=["no-budget"])
    print(f"\nbudget known-bad: per-second counts {counts}")
    assert max(counts) > RATE, counts
