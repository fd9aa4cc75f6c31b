"""Regression: an event whose worker died is taken again once the reconciler wakes it.

Found by the kill -9 scenario: the reconciler pushed the leases zset score forward (so that
many reconcilers do not all publish the same id), and the claim read that score as a live
lease, so every wake-up it sent was answered "busy" and the event stayed in progress
forever. The lease now lives in the event hash (``lease_until``).
"""

from __future__ import annotations

import time

import pytest

from shared.envelope import Envelope, new_ulid
from shared.eventstore import EventStore
from shared.keys import Keys

pytestmark = pytest.mark.faults


def test_a_dead_workers_event_is_claimed_again_after_the_reconcilers_wake_up(redis_client):
    store = EventStore(redis_client, Keys("lease"), retention_s=3600)
    env = Envelope(id=new_ulid(), source="stripe", received_at=time.time(), body=b"{}",
                   headers={})
    store.accept(env, poke_after_s=60)
    assert store.claim(env.id, lease_s=1).status == "claimed"     # then the worker dies
    time.sleep(1.1)
    due, expired = store.overdue(queue="q", batch=10, look_again_s=10)
    assert expired == [env.id]
    assert store.overdue(queue="q", batch=10, look_again_s=10) == ([], []), \
        "a second reconciler does not publish it again"
    again = store.claim(env.id, lease_s=30)                        # the wake-up arrives
    assert again.status == "claimed", again
    assert store.get(env.id).lost == 1
    assert store.claim(env.id, lease_s=30).status == "busy", "the new lease holds"
