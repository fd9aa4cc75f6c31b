"""Real dead letters from the real pipeline, requeued into real FileMaker (the emulator)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading

import pytest

from admin.testing import add_admin_section
from hookmaker.testing import adds_up, wait_for
from shared.adminconfig import DlqSettings
from shared.deadletters import DeadLetters
from shared.keys import Keys

pytestmark = pytest.mark.integration


def checkout(event_id: str, currency: str = "usd") -> dict:
    return {"id": event_id, "type": "checkout.session.completed", "created": 1764763200,
            "data": {"object": {"id": f"cs_{event_id}", "amount_total": 4900,
                                "currency": currency,
                                "customer_details": {"email": "ada@example.com"}}}}


@pytest.fixture
def running(pipeline):
    p = pipeline()
    add_admin_section(p.config_path, rate_per_s=40)
    p.start_ingress()
    p.start_worker()
    p.letters = DeadLetters(p.redis, Keys(p.config.redis.prefix), settings=DlqSettings())
    return p


def cli(p, *args: str, env: dict | None = None, stdin: str | None = None):
    return subprocess.run([sys.executable, "-m", "hookmaker", "--config", str(p.config_path),
                           "dlq", "--as", "tester", *args], capture_output=True, text=True,
                          timeout=60, env={**os.environ, **(env or {})}, input=stdin)


def orders(emulator) -> list[dict]:
    return [r["fieldData"] for r in emulator.records("Hookmaker", "Orders")]


def test_cli_edit_fixes_the_payload_and_the_record_appears(running, emulator, tmp_path):
    event_id = running.send("stripe", checkout("evt_cur", "euro-dollars")).json()["id"]
    running.wait_settled(20)
    listed = json.loads(cli(running, "ls", "--code", "511", "--json").stdout)
    assert [r["id"] for r in listed["rows"]] == [event_id]
    editor = tmp_path / "fix-currency.sh"
    editor.write_text("#!/bin/sh\nsed -i 's/euro-dollars/eur/' \"$1\"\n")
    editor.chmod(0o755)
    edited = cli(running, "edit", event_id, env={"EDITOR": str(editor)})
    assert edited.returncode == 0, edited.stderr
    wait_for(lambda: orders(emulator), timeout_s=20, what="the order in FileMaker")
    assert orders(emulator)[0]["Currency"] == "eur"
    assert orders(emulator)[0]["EventId"] == event_id
    counts = running.wait_settled(20)
    assert counts["delivered"] == 1 and counts["dead"] == 0 and adds_up(counts)
    shown = cli(running, "show", event_id)
    assert "euro-dollars" in shown.stdout and "edited by" in shown.stdout   # original kept
    assert "edit-and-requeue" in cli(running, "audit").stdout


def test_cli_bulk_requeue_after_an_outage_writes_each_order_once(running, emulator):
    emulator.fault(error={"code": "503", "count": 6, "match": "/records", "method": "POST"})
    ids = [running.send("stripe", checkout(f"evt_bulk_{i}")).json()["id"] for i in range(6)]
    counts = running.wait_settled(30)
    assert counts["dead"] == 6 and orders(emulator) == []
    dry = cli(running, "requeue", "--code", "503", "--dry-run")
    assert "6 letters match" in dry.stdout and running.counts()["dead"] == 6
    done = cli(running, "requeue", "--code", "503")
    assert done.returncode == 0 and "6 requeued of 6" in done.stdout, done.stdout + done.stderr
    wait_for(lambda: len(orders(emulator)) == 6, timeout_s=30, what="6 orders")
    assert sorted(o["EventId"] for o in orders(emulator)) == sorted(ids)
    again = cli(running, "requeue", *ids)
    assert again.stdout.count("not dead, skipped") == 6
    counts = running.wait_settled(20)
    assert counts["delivered"] == 6 and adds_up(counts) and len(orders(emulator)) == 6


def test_two_operators_requeueing_the_same_letters_give_one_record_each(running, emulator):
    emulator.fault(error={"code": "503", "count": 10, "match": "/records", "method": "POST"})
    ids = [running.send("stripe", checkout(f"evt_twice_{i}")).json()["id"] for i in range(10)]
    running.wait_settled(30)
    results: list[list[str]] = []
    threads = [threading.Thread(target=lambda who: results.append(
        running.letters.requeue(ids, who)), args=(who,)) for who in ("ann", "bo")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results[0] + results[1]) == sorted(ids)        # each requeued once
    counts = running.wait_settled(30)
    assert counts["delivered"] == 10 and adds_up(counts)
    assert sorted(o["EventId"] for o in orders(emulator)) == sorted(ids)


def test_requeue_of_a_letter_already_in_filemaker_does_not_write_again(running, emulator):
    event_id = running.send("stripe", checkout("evt_landed")).json()["id"]
    running.wait_settled(20)
    assert len(orders(emulator)) == 1
    # Simulate "FileMaker wrote it, but the worker recorded a failure": the same event,
    # with its history, comes back as a dead letter (export/import is the atomic way in).
    fields = {k.decode(): v.decode() for k, v in
              running.redis.hgetall(running.letters.keys.event(event_id)).items()}
    running.redis.delete(running.letters.keys.event(event_id))
    running.redis.hincrby(running.letters.keys.counts, "delivered", -1)
    running.redis.hincrby(running.letters.keys.counts, "accepted", -1)
    fields.update(state="dead", dlq_class="transient", last_error="read timed out")
    assert running.letters.import_([{"format": "hookmaker-dead-letter/1", "id": event_id,
                                     "fields": fields}], "tester") == (1, 0)
    assert running.letters.requeue([event_id], "tester") == [event_id]
    wait_for(lambda: running.store.get(event_id).state == "duplicate", timeout_s=20,
             what="the requeued letter found in FileMaker")
    assert len(orders(emulator)) == 1 and adds_up(running.counts())
