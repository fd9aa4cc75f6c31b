"""Bulk requeue jobs: snapshot, pace, cancel, many steppers at once."""

from __future__ import annotations

import threading
import time

import pytest

from shared.adminconfig import DlqSettings
from shared.requeue import RequeueJobs
from shared.search import Filter

pytestmark = pytest.mark.integration


class Recorder:
    """Stands in for Celery's publisher at the process boundary: records wake-ups."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.lock = threading.Lock()

    def publish_many(self, ids):
        with self.lock:
            self.ids += list(ids)
        return len(ids)


def test_dry_run_shows_what_would_go_and_changes_nothing(letters):
    made = [letters.make({"n": i}, code="511") for i in range(3)]
    letters.make(code="102")
    preview = letters.jobs.preview(Filter(code="511"))
    assert preview["count"] == 3 and [r["id"] for r in preview["sample"]] == made[::-1]
    assert letters.store.counts()["dead"] == 4


def test_job_is_paced_by_its_rate(letters):
    made = [letters.make({"n": i}) for i in range(30)]
    jobs = RequeueJobs(letters.dlq, DlqSettings(requeue_rate_per_s=10, requeue_max_step=100))
    job = jobs.start(Filter(), "alice")
    assert job["total"] == 30 and job["state"] == "running"
    woken = Recorder()
    started = time.monotonic()
    final = jobs.run(job["id"], woken)
    elapsed = time.monotonic() - started
    assert final["state"] == "finished" and final["requeued"] == 30
    assert sorted(woken.ids) == sorted(made)
    assert 1.5 < elapsed < 4.5, elapsed          # 30 at 10/s, one second's credit up front
    assert letters.store.counts()["received"] == 30 and letters.adds_up()


def test_many_steppers_share_one_pace_and_requeue_each_letter_once(letters):
    [letters.make({"n": i}) for i in range(40)]
    jobs = RequeueJobs(letters.dlq, DlqSettings(requeue_rate_per_s=20, requeue_max_step=100))
    job = jobs.start(Filter(), "alice")
    woken = Recorder()
    threads = [threading.Thread(target=jobs.run, args=(job["id"], woken)) for _ in range(4)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert time.monotonic() - started > 0.8      # 40 at 20/s, 20 up front
    assert len(woken.ids) == 40 == len(set(woken.ids))
    assert jobs.get(job["id"])["requeued"] == 40


def test_cancel_stops_a_job_and_leaves_the_rest_dead(letters):
    [letters.make({"n": i}) for i in range(50)]
    jobs = RequeueJobs(letters.dlq, DlqSettings(requeue_rate_per_s=5, requeue_max_step=100))
    job = jobs.start(Filter(), "alice")
    jobs.step(job["id"])
    assert jobs.cancel(job["id"], "bob") == "cancelled"
    assert jobs.step(job["id"]) == ("cancelled", [])
    after = jobs.get(job["id"])
    assert after["state"] == "cancelled" and after["cancelled_by"] == "bob"
    counts = letters.store.counts()
    assert counts["received"] == after["requeued"] and counts["dead"] == 50 - after["requeued"]
    assert 0 < after["requeued"] < 50
    assert jobs.cancel(job["id"], "bob") == "cancelled"
    assert [e["action"] for e in letters.dlq.audit.entries()][:2] == [
        "requeue-job-cancelled", "requeue-job"]


def test_letters_requeued_by_hand_meanwhile_are_skipped(letters):
    made = [letters.make({"n": i}) for i in range(5)]
    job = letters.jobs.start(Filter(), "alice")
    letters.dlq.requeue(made[:2], "bob")
    final = letters.jobs.run(job["id"])
    assert final["done"] == 5 and final["requeued"] == 3


def test_reconciler_hook_steps_jobs_and_applies_retention(letters, redis_client):
    from shared import requeue

    made = [letters.make({"n": i}) for i in range(3)]
    job = letters.jobs.start(Filter(), "alice")

    class Runtime:                     # what reconcile_once hands over
        redis = redis_client
        keys = letters.keys
        wakeups = Recorder()

        class config:
            admin = {"dlq": {"requeue_rate_per_s": 1000}}
            path = letters  # no file: line numbers are best effort

            class worker:
                retention_s = 3600

    Runtime.config.path = type("P", (), {"read_text": lambda self, **k: "",
                                         "resolve": lambda self: self})()
    assert requeue.step(Runtime) == 3
    assert sorted(Runtime.wakeups.ids) == sorted(made)
    assert letters.jobs.get(job["id"])["state"] == "finished"
