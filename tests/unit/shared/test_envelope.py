"""The envelope round-trips exactly, raw bytes included; ids sort by time."""

from __future__ import annotations

from shared.envelope import Attempt, Envelope, new_ulid
from workers.backoff import full_jitter
import random


def test_round_trip_keeps_raw_bytes_and_history():
    env = Envelope(id=new_ulid(), source="s", received_at=1.5, body=b"\xff\x00{not json",
                   headers={"X-A": "1"}, dedupe_key="k", event_type="t",
                   original_body=b"orig", attempts=(Attempt(at=2.0, outcome="transient",
                                                             message="m", code="301"),))
    assert Envelope.from_json(env.to_json()) == env


def test_ulids_sort_by_time_and_are_26_chars():
    early, late = new_ulid(1000.0), new_ulid(2000.0)
    assert len(early) == 26 and early < late
    assert len({new_ulid(5.0) for _ in range(100)}) == 100


def test_full_jitter_stays_within_the_capped_ceiling():
    rng = random.Random(7)
    delays = [full_jitter(a, base_s=1, cap_s=30, rng=rng) for a in range(12) for _ in range(50)]
    assert all(0 <= d <= 30 for d in delays)
    assert max(full_jitter(0, base_s=1, cap_s=30, rng=rng) for _ in range(100)) <= 1
    assert max(delays) > 20, "later attempts spread out up to the cap"
