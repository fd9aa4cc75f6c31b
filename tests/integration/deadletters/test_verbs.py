"""Every verb of the dead-letter store, on a real Redis."""

from __future__ import annotations

import json
import time

import pytest

from shared.adminconfig import DlqSettings
from shared.deadletters import DeadLetters
from shared.search import Filter

pytestmark = pytest.mark.integration


def test_add_keeps_the_whole_letter_and_indexes_it(letters):
    event_id = letters.make({"id": "evt_1", "currency": "euro"}, code="511")
    letter = letters.dlq.get(event_id)
    assert letter["state"] == "dead"
    assert json.loads(letter["body"]) == {"id": "evt_1", "currency": "euro"}
    assert letter["headers"] == {"Stripe-Signature": "t=1,v1=abc"}
    assert letter["route"] == "orders" and letter["database"] == "Hookmaker"
    assert letter["error_class"] == "permanent" and letter["code"] == "511"
    assert letter["last_error"] == "bad value"
    assert letter["history"][-1]["outcome"] == "permanent"
    assert letter["first_failure_at"] and letter["dead_at"] >= letter["first_failure_at"]
    assert letters.dlq.reasons()["code"] == {"511": 1}
    counts = letters.store.counts()
    assert counts["dead"] == 1 and letters.adds_up()


def test_add_with_a_lost_claim_changes_nothing(letters):
    event_id = letters.accept({"id": "x"})
    letters.store.claim(event_id, lease_s=30)
    assert not letters.dlq.add(event_id, "not-the-token", None, {}, database="",
                               first_failure_at=time.time())
    assert letters.store.get(event_id).state == "in_progress"
    assert letters.dlq.count() == 0


def test_list_filters_by_every_facet_and_text(letters):
    a = letters.make({"name": "Ada Lovelace"}, source="stripe", route="orders", code="511")
    b = letters.make({"name": "Grace Hopper"}, source="shop", route="shop", code="102",
                     db="Other")
    c = letters.make({"name": "Alan Turing"}, source="stripe", route="inbox", code=None,
                     outcome="transient")

    def ids(**params):
        return [r["id"] for r in letters.dlq.list(Filter.from_params(params)).rows]

    assert ids() == [c, b, a]                           # newest death first
    assert ids(source="stripe") == [c, a]
    assert ids(route="shop") == [b]
    assert ids(db="Other") == [b]
    assert ids(error_class="transient") == [c]
    assert ids(code="511") == [a]
    assert ids(code="-") == [c]                         # letters without a FileMaker code
    assert ids(source="stripe", code="511") == [a]
    assert ids(text="hopper") == [b]
    assert ids(source="shop", text="ada") == []


def test_time_range_and_cursor_paging(letters):
    made = [letters.make({"n": i}) for i in range(7)]
    page1 = letters.dlq.list(limit=3)
    assert [r["id"] for r in page1.rows] == made[::-1][:3]
    page2 = letters.dlq.list(cursor=page1.next_cursor, limit=3)
    page3 = letters.dlq.list(cursor=page2.next_cursor, limit=3)
    seen = [r["id"] for p in (page1, page2, page3) for r in p.rows]
    assert seen == made[::-1] and page3.next_cursor is None
    died = {r["id"]: float(r["dead_at"]) for r in page1.rows + page2.rows + page3.rows}
    middle = Filter(since=died[made[2]], until=died[made[4]])
    assert [r["id"] for r in letters.dlq.list(middle).rows] == [made[4], made[3], made[2]]


def test_paging_survives_ties_in_time_of_death(letters):
    made = [letters.make({"n": i}) for i in range(5)]
    letters.redis.zadd(letters.keys.dead, {i: 1000.0 for i in made})   # one instant
    seen, cursor = [], None
    while True:
        page = letters.dlq.list(limit=2, cursor=cursor)
        seen += [r["id"] for r in page.rows]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert sorted(seen) == sorted(made) and len(seen) == 5


def test_requeue_is_atomic_and_idempotent(letters):
    event_id = letters.make()
    assert letters.dlq.requeue([event_id], "alice") == [event_id]
    assert letters.dlq.requeue([event_id], "bob") == []          # no longer dead: no-op
    record = letters.store.get(event_id)
    assert record.state == "received" and record.attempts == 0
    assert record.history[-1].outcome == "requeued" and "alice" in record.history[-1].message
    assert record.history[0].outcome == "permanent"              # history kept
    counts = letters.store.counts()
    assert counts["dead"] == 0 and counts["received"] == 1 and letters.adds_up()
    assert letters.redis.zscore(letters.keys.due, event_id) is not None
    assert letters.redis.zscore(letters.keys.pending, event_id) is not None
    assert letters.dlq.reasons()["code"] == {}
    assert letters.store.claim(event_id, lease_s=5).status == "claimed"


def test_edit_and_requeue_keeps_the_original(letters):
    event_id = letters.make({"currency": "euro-dollars"})
    assert letters.dlq.edit_and_requeue(event_id, b'{"currency": "eur"}', "alice") == "ok"
    letter = letters.dlq.get(event_id)
    assert json.loads(letter["body"]) == {"currency": "eur"}
    assert json.loads(letter["original_body"]) == {"currency": "euro-dollars"}
    assert letter["state"] == "received" and letter["edited_by"] == "alice"
    assert letters.dlq.edit_and_requeue(event_id, b'{"currency": "usd"}', "bob") == "not-dead"
    assert letters.dlq.edit_and_requeue("nope", b"{}", "bob") == "missing"


def test_edit_refuses_broken_json(letters):
    event_id = letters.make({"a": 1})
    with pytest.raises(ValueError, match="not JSON"):
        letters.dlq.edit_and_requeue(event_id, b"{broken", "alice")
    assert letters.dlq.get(event_id)["state"] == "dead"


def test_delete_and_purge_keep_counts_adding_up(letters):
    keep = letters.make({"keep": 1}, code="102")
    gone = [letters.make({"gone": i}, code="511") for i in range(3)]
    assert letters.dlq.delete([gone[0], keep + "x"], "alice") == 1
    assert letters.dlq.purge(Filter(code="511"), "alice") == 2
    counts = letters.store.counts()
    assert counts["dead"] == 1 and counts["accepted"] == 1 and letters.adds_up()
    assert int(letters.redis.hget(letters.keys.counts, "purged")) == 3
    assert letters.dlq.get(gone[1]) is None
    assert [r["id"] for r in letters.dlq.list().rows] == [keep]
    assert letters.dlq.reasons()["code"] == {"102": 1}


def test_retention_by_age_and_count(redis_client, letters):
    old = letters.make({"old": 1})
    letters.redis.zadd(letters.keys.dead, {old: time.time() - 90_000})
    fresh = [letters.make({"n": i}) for i in range(4)]
    dlq = DeadLetters(redis_client, letters.keys,
                      settings=DlqSettings(max_age_s=86_400, max_letters=2))
    assert dlq.trim() == 3                                   # the old one, then 2 oldest
    assert [r["id"] for r in dlq.list().rows] == [fresh[3], fresh[2]]
    assert letters.adds_up()


def test_export_then_import_moves_letters(redis_client, letters):
    made = [letters.make({"n": i}, code="511") for i in range(3)]
    lines = [json.loads(json.dumps(x)) for x in letters.dlq.export(Filter(code="511"))]
    assert [x["id"] for x in lines] == made[::-1]
    redis_client.flushdb()
    imported, skipped = letters.dlq.import_(lines, "alice")
    assert (imported, skipped) == (3, 0)
    assert letters.dlq.import_(lines, "alice") == (0, 3)        # idempotent
    assert [r["id"] for r in letters.dlq.list(Filter(code="511")).rows] == made[::-1]
    assert letters.dlq.get(made[0])["body"] == '{"n": 0}'
    assert letters.adds_up() and letters.store.counts()["dead"] == 3
    assert letters.dlq.requeue(made, "alice") == made


def test_import_refuses_what_is_not_a_letter(letters):
    with pytest.raises(ValueError, match="not an exported dead letter"):
        letters.dlq.import_([{"id": "x"}], "alice")


def test_audit_log_names_who_what_and_the_filter(letters):
    a = letters.make(code="511")
    letters.dlq.requeue([a], "alice", filter=Filter(code="511"))
    b = letters.make(code="102")
    letters.dlq.delete([b], "bob")
    entries = letters.dlq.audit.entries()
    assert [(e["who"], e["action"]) for e in entries] == [("bob", "delete"),
                                                          ("alice", "requeue")]
    assert entries[1]["ids"] == [a] and entries[1]["filter"] == {"code": "511"}
    assert letters.dlq.audit.entries(letter=b)[0]["action"] == "delete"


def test_text_search_inside_redis_and_from_the_envelope(letters):
    from shared.search import searchable

    kept = letters.make({"name": "Ada LOVELACE"})
    letters.redis.hset(letters.keys.event(kept), "dlq_text",
                       searchable(b'{"name": "Ada LOVELACE"}'))         # as bury keeps it
    plain = letters.make({"name": "Lovelace the second"})               # no kept text
    letters.make({"name": "Grace"})
    found = letters.dlq.list(Filter(text="lovelace")).rows
    assert [r["id"] for r in found] == [plain, kept]
    from shared.eventsearch import search_events
    events = search_events(letters.redis, letters.keys, Filter(text="LOVELACE"),
                           sources=["stripe"])
    assert [r["id"] for r in events.rows] == [plain, kept]
