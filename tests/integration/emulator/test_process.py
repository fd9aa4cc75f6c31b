"""The emulator as a process: restart and crash keep data, the access log, per-second
counts, the fast clock, and the CLI against a running emulator."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from emulator.accesslog import parse_line
from emulator.testing import EXAMPLE_SCHEMA, DataAPIClient, EmulatorProcess, fm_status


def test_restart_and_kill_keep_data_and_drop_tokens(tmp_path: Path) -> None:
    with EmulatorProcess(EXAMPLE_SCHEMA, tmp_path / "data") as emu:
        fm = DataAPIClient(emu.data_url())
        fm.login()
        fm.create(EventId="evt_1")
        url = emu.url
        emu.restart()
        assert emu.url == url
        assert fm_status(fm.call("GET", fm.db("/layouts"))) == (401, "952")
        fm.login()
        fm.create(EventId="evt_2")
        emu.kill()
        emu.start()
        assert [r["fieldData"]["EventId"] for r in emu.records("Hookmaker", "Inbox")] == \
            ["evt_1", "evt_2"]
        fm.login()
        assert fm.create(EventId="evt_3")["recordId"] == "3"


def test_access_log_lines_and_counts_per_second(emulator_process, fm) -> None:
    emu = emulator_process
    fm.create(EventId="e1")
    fm.call("POST", fm.db("/layouts/Inbox/_find"), json={"query": [{"EventId": "==none"}]})
    fm.call("DELETE", fm.db(f"/sessions/{fm.token}"), token=False)
    lines = [parse_line(line) for line in emu.access_log()]
    assert [(x["method"], x["code"], x["account"]) for x in lines] == [
        ("POST", "0", "hookmaker"), ("POST", "0", "hookmaker"), ("POST", "401", "hookmaker"),
        ("DELETE", "0", "-")]
    assert lines[1]["path"] == "/fmi/data/vLatest/databases/Hookmaker/layouts/Inbox/records"
    assert lines[0]["bytes"] > 100 and lines[2]["level"] == "ERROR"
    on_disk = (emu.data_dir / "fmdapi.log").read_text().splitlines()
    assert on_disk[-4:] == emu.access_log()
    stats = emu.stats()
    assert stats["total_requests"] == 4 and stats["logins"] == 1
    assert sum(s["count"] for s in stats["requests_per_second"]) == 4
    assert all(isinstance(s["second"], int) for s in stats["requests_per_second"])


def test_burst_counts_per_second(emu, fm) -> None:
    start = int(time.time())
    for _ in range(20):
        fm.call("GET", fm.db("/layouts"))
    per_second = emu.stats()["requests_per_second"]
    assert 20 <= sum(s["count"] for s in per_second if s["second"] >= start) <= 21
    assert max(s["count"] for s in per_second) >= 5


def test_fast_clock_expires_sessions(tmp_path: Path) -> None:
    with EmulatorProcess(EXAMPLE_SCHEMA, tmp_path / "d", session_idle_s=900,
                         clock_scale=1000) as emu:
        fm = DataAPIClient(emu.data_url())
        fm.login()
        assert fm.call("GET", fm.db("/layouts")).status_code == 200
        time.sleep(1.2)
        assert fm_status(fm.call("GET", fm.db("/layouts"))) == (401, "952")


def test_cli_fault_and_stats_against_a_running_emulator(emu, fm) -> None:
    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "emulator", *args], capture_output=True,
                              text=True, timeout=30, cwd=str(Path(__file__).resolve().parents[3]))
    done = cli("fault", "--url", emu.url, "error", "812", "--count", "1")
    assert done.returncode == 0, done.stderr
    assert fm_status(fm.call("GET", fm.db("/layouts"))) == (500, "812")
    assert cli("fault", "--url", emu.url, "latency", "5").returncode == 0
    assert emu.stats()["requests_per_second"]
    assert '"total_requests"' in cli("stats", "--url", emu.url).stdout
    assert cli("fault", "--url", emu.url, "clear").returncode == 0
    assert emu.fault()["faults"]["latency"] is None


def test_bad_schema_fails_fast_with_stderr(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[databases.X]\naccounts = []\n", encoding="utf-8")
    proc = EmulatorProcess(bad, tmp_path / "d")
    try:
        proc.start()
    except RuntimeError as exc:
        assert "databases.X.accounts" in str(exc)
    else:
        proc.stop()
        raise AssertionError("a bad schema must not start")
