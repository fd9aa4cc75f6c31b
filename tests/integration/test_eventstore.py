"""The event store's state changes, on a real Redis."""

from __future__ import annotations

import time

import pytest

from shared.envelope import Attempt, Envelope, new_ulid
from shared.eventstore import STATES, EventStore, RateLimit, RateLimited
from shared.keys import Keys


def _envelope(dedupe: str | None = "evt_1", source: str = "stripe") -> Envelope:
    return Envelope(id=new_ulid(), source=source, received_at=time.time(), body=b'{"id":"evt_1"}',
                    headers={"Content-Type": "application/json"}, dedupe_key=dedupe,
                    event_type="charge.succeeded")


@pytest.fixture
def store(redis_client) -> EventStore:
    return EventStore(redis_client, Keys("t"), retention_s=3600)


def _adds_up(store: EventStore) -> None:
    counts = store.counts()
    assert sum(counts[s] for s in STATES) == counts["accepted"]


def test_accept_stores_once_per_dedupe_key(store):
    first, second = _envelope(), _envelope()
    assert store.accept(first, poke_after_s=2) is None
    assert store.accept(second, poke_after_s=2) == first.id
    assert store.get(second.id) is None
    assert store.get(first.id).state == "received"
    counts = store.counts()
    assert counts["accepted"] == 1 and counts["duplicates_at_ingress"] == 1
    _adds_up(store)


def test_same_key_from_another_source_is_another_event(store):
    assert store.accept(_envelope(source="a"), poke_after_s=2) is None
    assert store.accept(_envelope(source="b"), poke_after_s=2) is None
    assert store.counts()["accepted"] == 2


def test_claim_then_finish_delivered(store):
    env = _envelope()
    store.accept(env, poke_after_s=2)
    claim = store.claim(env.id, lease_s=30)
    assert claim.status == "claimed" and claim.detail == "received"
    assert claim.record.envelope == env and claim.record.state == "in_progress"
    assert claim.record == store.get(env.id)           # what was taken, in the same step
    busy = store.claim(env.id, lease_s=30)
    assert busy.status == "busy" and busy.record is None
    attempt = Attempt(at=time.time(), outcome="delivered", message="record 1")
    assert store.finish(env.id, claim, "delivered", attempt=attempt, spend_attempt=True)
    record = store.get(env.id)
    assert record.state == "delivered" and record.attempts == 1
    assert record.history[0].outcome == "delivered"
    assert store.claim(env.id, lease_s=30).status == "done"
    assert store.oldest_pending_age_s() is None
    _adds_up(store)


def test_expired_lease_is_reclaimed_and_old_claim_cannot_finish(store):
    env = _envelope()
    store.accept(env, poke_after_s=2)
    first = store.claim(env.id, lease_s=30)
    second = store.claim(env.id, lease_s=30, now=time.time() + 60)
    assert second.status == "claimed"
    assert not store.finish(env.id, first, "delivered", attempt=None, spend_attempt=False)
    assert store.finish(env.id, second, "delivered", attempt=None, spend_attempt=False)
    assert store.get(env.id).lost == 1
    _adds_up(store)


def test_poison_after_repeated_lost_leases(store):
    env = _envelope()
    store.accept(env, poke_after_s=2)
    store.claim(env.id, lease_s=1)
    claims = [store.claim(env.id, lease_s=1, now=time.time() + 10 * i) for i in range(1, 8)]
    assert not claims[0].poison
    assert any(c.poison for c in claims)


def test_scheduled_event_is_not_claimed_early_and_shows_up_when_due(store):
    env = _envelope()
    store.accept(env, poke_after_s=0)
    claim = store.claim(env.id, lease_s=30)
    due = time.time() + 0.3
    store.finish(env.id, claim, "scheduled", attempt=None, spend_attempt=False, due_at=due)
    assert store.claim(env.id, lease_s=30).status == "early"
    assert store.overdue(queue='q', batch=10, look_again_s=5) == ([], [])
    time.sleep(0.35)
    assert store.overdue(queue='q', batch=10, look_again_s=5) == ([env.id], [])
    assert store.overdue(queue='q', batch=10, look_again_s=5) == ([], []), "a second reconciler gets nothing"
    assert store.claim(env.id, lease_s=30).status == "claimed"
    _adds_up(store)


def test_dead_events_are_listed_and_counted(store):
    env = _envelope()
    store.accept(env, poke_after_s=2)
    claim = store.claim(env.id, lease_s=30)
    store.finish(env.id, claim, "dead",
                 attempt=Attempt(at=time.time(), outcome="permanent", message="102", code="102"),
                 spend_attempt=True)
    assert store.redis.zscore(store.keys.dead, env.id) is not None
    assert store.counts()["dead"] == 1
    _adds_up(store)


def test_received_events_wait_while_the_queue_has_a_backlog(store):
    env = _envelope()
    store.accept(env, poke_after_s=0)
    store.redis.rpush("q", *[b"m"] * 3)
    assert store.overdue(queue="q", batch=10, look_again_s=0, backlog=3) == ([], [])
    store.redis.delete("q")
    assert store.overdue(queue="q", batch=10, look_again_s=0, backlog=3) == ([env.id], [])


# --- the ingress's accept: rate limits and the wake-up in the same atomic step (issue 4) ---

def test_accept_pushes_the_wake_up_once_and_not_for_a_duplicate(store, redis_client):
    first, second = _envelope("evt_wake"), _envelope("evt_wake")
    assert store.accept(first, poke_after_s=2, queue="q", wakeup="msg-1") is None
    assert store.accept(second, poke_after_s=2, queue="q", wakeup="msg-2") == first.id
    assert redis_client.lrange("q", 0, -1) == [b"msg-1"]


def test_accept_rate_limited_stores_and_counts_nothing(store, redis_client):
    limit = RateLimit(key="t:rl:x", interval_us=10_000_000, tolerance_us=10_000_000)
    assert store.accept(_envelope("a"), poke_after_s=2, limits=[limit]) is None
    assert store.accept(_envelope("b"), poke_after_s=2, limits=[limit]) is None
    with pytest.raises(RateLimited) as info:
        store.accept(_envelope("c"), poke_after_s=2, queue="q", wakeup="m", limits=[limit])
    assert 9 < info.value.retry_after_s <= 10
    assert store.counts()["accepted"] == 2 and redis_client.llen("q") == 0
    assert 0 < redis_client.pttl("t:rl:x") <= 20_000
    _adds_up(store)


def test_accept_checks_every_limit_before_spending_any(store, redis_client):
    # roomy's key lives as long as its interval: 5 s, so it cannot expire mid-test (with 1 ms
    # it did, on a loaded machine, and the test compared a vanished key).
    roomy = RateLimit(key="t:rl:roomy", interval_us=5_000_000, tolerance_us=60_000_000)
    tight = RateLimit(key="t:rl:tight", interval_us=60_000_000, tolerance_us=0)
    store.accept(_envelope("a"), poke_after_s=2, limits=[roomy, tight])
    before = redis_client.get("t:rl:roomy")
    with pytest.raises(RateLimited):
        store.accept(_envelope("b"), poke_after_s=2, limits=[roomy, tight])
    assert redis_client.get("t:rl:roomy") == before, "a refused request spends no budget"


def test_timeline_forgets_an_event_once_its_retention_is_over(redis_client):
    store = EventStore(redis_client, Keys("t"), retention_s=1)
    delivered, dead = _envelope("a"), _envelope("b")
    for env, state in ((delivered, "delivered"), (dead, "dead")):
        store.accept(env, poke_after_s=2)
        claim = store.claim(env.id, lease_s=30)
        assert store.finish(env.id, claim, state, attempt=None, spend_attempt=True)
    timeline = set(m.decode() for m in redis_client.zrange(store.keys.timeline, 0, -1))
    assert timeline == {delivered.id, dead.id}
    assert store.forget_expired() == 0                  # retention not over yet
    time.sleep(1.2)
    assert store.forget_expired() == 1
    # the delivered event is gone with its entry; the dead letter (no TTL) is still listed
    assert [m.decode() for m in redis_client.zrange(store.keys.timeline, 0, -1)] == [dead.id]
    assert redis_client.zcard(store.keys.expiring) == 0


def test_timeline_keeps_an_event_whose_expiry_moved(store, redis_client):
    env = _envelope()
    store.accept(env, poke_after_s=2)
    claim = store.claim(env.id, lease_s=30)
    store.finish(env.id, claim, "delivered", attempt=None, spend_attempt=True)
    assert store.forget_expired(now=time.time() + 7200) == 0   # the hash still has 1 h left
    assert redis_client.zscore(store.keys.timeline, env.id) is not None
    assert redis_client.zscore(store.keys.expiring, env.id) > time.time() + 7000
