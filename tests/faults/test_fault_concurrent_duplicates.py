"""Every event sent 3 times at once by its sender.

Promise 3: the same dedupe key delivered N times gives one FileMaker effect. Safe: the
Stripe source's dedupe key is the event ``id``. Known-bad: the ``shop`` source, whose dedupe
rule reads a header the sender here fills with a fresh nonce on every send, so the three
copies look like three events: three records each, and the checker must say so.
"""

from __future__ import annotations

import uuid

import pytest

from fault_harness import Sender, keys, scaled, verdict, wait_quiet

pytestmark = pytest.mark.faults

COPIES = 3


def send_each_three_times(p, source: str, n: int, headers=None) -> Sender:
    sender = Sender(p)
    items = [k for k in keys(f"evt_{source}3x", n) for _ in range(COPIES)]
    sender.send_all(source, items, concurrency=3 * COPIES, headers=headers)
    return sender


def test_three_concurrent_copies_make_exactly_one_record(pipeline, emulator):
    p = pipeline()
    p.start_ingress(workers=2)
    p.start_worker("w1", concurrency=2)
    p.start_worker("w2", concurrency=2)
    n = scaled(200)
    sender = send_each_three_times(p, "stripe", n)
    settled = wait_quiet(p, timeout_s=60)
    v = verdict(p, emulator, sender)
    answers = sorted(s.status for s in sender.ledger)
    print(f"\n3x safe: {v.summary()}; 202s {answers.count(202)}, 200s {answers.count(200)}")
    assert settled, p.counts()
    assert v.acknowledged == n and v.effects_by_count == {1: n}
    assert not v.lost and not v.duplicated and not v.unexpected, v.summary()
    assert answers.count(202) == n and answers.count(200) == (COPIES - 1) * n
    ids_per_key = {}
    for s in sender.ledger:
        ids_per_key.setdefault(s.key, set()).add(s.event_id)
    assert all(len(ids) == 1 for ids in ids_per_key.values()), "one event id per sender key"


def test_known_bad_dedupe_key_that_is_a_nonce_makes_three_records(pipeline, emulator):
    p = pipeline()
    p.start_ingress(workers=2)
    p.start_worker("w1", concurrency=2)
    sender = send_each_three_times(p, "shop", 40,
                                   headers=lambda key: {"X-Shop-Delivery": uuid.uuid4().hex})
    wait_quiet(p, timeout_s=60)
    v = verdict(p, emulator, sender)
    print(f"\n3x known-bad: {v.summary()}")
    assert v.duplicated and set(v.duplicated.values()) == {COPIES}, v.summary()
