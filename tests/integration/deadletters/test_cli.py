"""``hookmaker dlq`` as a person types it, on a real Redis (no worker running)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from admin.testing import add_admin_section
from letterkit import Letters
from shared.adminconfig import DlqSettings

pytestmark = pytest.mark.integration


@pytest.fixture
def setup(pipeline):
    p = pipeline()
    add_admin_section(p.config_path, rate_per_s=5)
    return p, Letters(p.redis, DlqSettings(), prefix=p.config.redis.prefix)


def dlq(p, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "hookmaker", "--config", str(p.config_path),
                           "dlq", "--as", "carol", *args], capture_output=True, text=True,
                          timeout=60, input=stdin)


def test_ls_export_purge_import_rm(setup, tmp_path):
    p, letters = setup
    a = letters.make({"n": "a"}, code="511", message="Value too long")
    b = letters.make({"n": "b"}, code="102")
    table = dlq(p, "ls").stdout
    assert table.splitlines()[0].split()[:4] == ["DIED", "(UTC)", "ID", "SOURCE"]
    assert a in table and b in table and "Value too long" in table
    one = dlq(p, "ls", "--code", "511", "--limit", "1").stdout
    assert a in one and b not in one and "more: hookmaker dlq ls ... --cursor" in one
    cursor = one.rsplit("--cursor ", 1)[1].strip()
    assert "(no dead letters match)" in dlq(p, "ls", "--code", "511", "--cursor", cursor).stdout
    out = tmp_path / "letters.jsonl"
    assert dlq(p, "export", "--code", "511", "-o", str(out)).returncode == 0
    assert [json.loads(x)["id"] for x in out.read_text().splitlines()] == [a]
    refused = dlq(p, "purge", "--code", "511", stdin="n\n")
    assert refused.returncode != 0 and letters.dlq.get(a) is not None
    assert "purged 1" in dlq(p, "purge", "--code", "511", "--yes").stdout
    assert "imported 1, skipped 0" in dlq(p, "import", str(out)).stdout
    assert "deleted 1 of 2" in dlq(p, "rm", b, "nope").stdout
    assert [e["action"] for e in json.loads(dlq(p, "audit", "--json").stdout)] == [
        "delete", "import", "purge"]
    assert letters.adds_up()


def test_background_job_can_be_listed_and_cancelled(setup):
    p, letters = setup
    for i in range(30):
        letters.make({"n": i})
    assert "give ids, a filter, or --all" in dlq(p, "requeue").stderr
    started = dlq(p, "requeue", "--all", "--background").stdout
    job_id = started.splitlines()[-1].split()[1].rstrip(":")
    assert "running (30 letters)" in started
    assert job_id in dlq(p, "jobs").stdout
    assert f"job {job_id}: cancelled" in dlq(p, "cancel", job_id).stdout
    assert letters.jobs.get(job_id)["state"] == "cancelled"
    assert letters.store.counts()["dead"] == 30            # no worker stepped it
