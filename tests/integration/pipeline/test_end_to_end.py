"""The whole pipeline on real processes: Redis, gunicorn ingress, Celery worker, emulator."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from hookmaker.testing import adds_up, wait_for

pytestmark = pytest.mark.integration


def checkout(event_id: str, *, currency: str = "usd") -> dict:
    return {"id": event_id, "type": "checkout.session.completed", "created": 1764763200,
            "data": {"object": {"id": f"cs_{event_id}", "amount_total": 4900,
                                "currency": currency,
                                "customer_details": {"email": "ada@example.com"}}}}


@pytest.fixture
def running(pipeline):
    p = pipeline()
    p.start_ingress()
    p.start_worker()
    return p


def test_signed_event_becomes_a_filemaker_record(running, emulator):
    answer = running.send("stripe", checkout("evt_e2e_1"))
    assert answer.status_code == 202, answer.text
    event_id = answer.json()["id"]
    wait_for(lambda: emulator.records("Hookmaker", "Orders"), timeout_s=20,
             what="a record in Orders")
    record = emulator.records("Hookmaker", "Orders")[0]["fieldData"]
    assert record["EventId"] == event_id
    assert record["OrderId"] == "cs_evt_e2e_1" and record["Amount"] == 4900
    running.wait_settled(20)
    event = running.store.get(event_id)
    assert event.state == "delivered" and event.fields["route"] == "orders"


def test_bad_signature_is_401_and_nothing_is_stored(running):
    answer = running.send("stripe", checkout("evt_forged"), secret="whsec_not_the_secret")
    assert answer.status_code == 401
    assert answer.headers["Content-Type"] == "application/problem+json"
    assert answer.json()["type"].endswith("/signature-mismatch")
    assert running.counts()["accepted"] == 0
    stored = running.redis.keys(running.config.redis.prefix + ":*")
    assert stored == [], "a rejected request must touch nothing"


def test_field_missing_from_layout_ends_as_a_dead_letter(running, emulator):
    answer = running.send("stripe", {"id": "evt_broken_1", "type": "broken.mapping"})
    assert answer.status_code == 202
    event_id = answer.json()["id"]
    counts = running.wait_settled(20)
    assert counts["dead"] == 1
    event = running.store.get(event_id)
    assert event.state == "dead"
    assert event.history[-1].code == "102", event.history
    assert json.loads(event.envelope.body)["id"] == "evt_broken_1", "full payload kept"
    assert emulator.records("Hookmaker", "Orders") == []


def test_filemaker_validation_error_is_dead_with_its_code(running):
    answer = running.send("stripe", checkout("evt_bad_currency", currency="euro-dollars"))
    event_id = answer.json()["id"]
    running.wait_settled(20)
    event = running.store.get(event_id)
    assert event.state == "dead" and event.history[-1].code == "511"


def test_same_dedupe_key_twice_is_one_event(running, emulator):
    first = running.send("stripe", checkout("evt_twice"))
    second = running.send("stripe", checkout("evt_twice"))
    assert first.status_code == 202
    assert second.status_code == 200 and second.json() == {"id": first.json()["id"],
                                                           "duplicate": True}
    running.wait_settled(20)
    assert len(emulator.records("Hookmaker", "Orders")) == 1


def test_unrouted_types_go_to_the_inbox_and_stats_add_up(running, emulator):
    ids = [running.send("stripe", {"id": f"evt_misc_{i}", "type": "charge.succeeded"})
           .json()["id"] for i in range(5)]
    running.send("stripe", {"id": "evt_broken_2", "type": "broken.x"})
    counts = running.wait_settled(30)
    assert counts["delivered"] == 5 and counts["dead"] == 1 and adds_up(counts)
    inbox = {r["fieldData"]["EventId"] for r in emulator.records("Hookmaker", "Inbox")}
    assert inbox == set(ids)

    shown = subprocess.run(
        [sys.executable, "-m", "hookmaker", "--config", str(running.config_path), "stats",
         "--json"], capture_output=True, text=True, timeout=30, check=True)
    stats = json.loads(shown.stdout)
    assert stats["adds_up"] and stats["accepted"] == 6
    assert stats["states"]["delivered"] == 5 and stats["states"]["dead"] == 1


def test_events_show_prints_history(running):
    event_id = running.send("stripe", {"id": "evt_broken_3", "type": "broken.y"}).json()["id"]
    running.wait_settled(20)
    shown = subprocess.run(
        [sys.executable, "-m", "hookmaker", "--config", str(running.config_path), "events",
         "show", event_id], capture_output=True, text=True, timeout=30, check=True)
    assert "state     dead" in shown.stdout and "FM 102" in shown.stdout


def test_event_stored_while_no_worker_runs_is_delivered_later(pipeline, emulator):
    p = pipeline()
    p.start_ingress()
    event_id = p.send("stripe", checkout("evt_later")).json()["id"]
    time.sleep(0.5)
    assert p.store.get(event_id).state == "received"
    p.start_worker()
    p.wait_settled(30)
    assert p.store.get(event_id).state == "delivered"
