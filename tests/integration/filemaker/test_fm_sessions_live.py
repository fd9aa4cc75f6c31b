"""The Redis-shared session pool against a real emulator: the cap across processes, one
login per expired token, idle rotation, logout on close, waiting when every session is busy."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import redis
from conftest import ROOT, make_server

from emulator.testing import EmulatorProcess
from shared.errors import Unavailable
from shared.filemaker.client import FileMakerClient
from shared.filemaker.sessions import PoolTimings
from shared.keys import Keys

pytestmark = pytest.mark.integration

HAMMER = Path(__file__).with_name("fm_hammer.py")
WORKERS = 4
CAP = 2


def timings(**kw: Any) -> PoolTimings:
    base = dict(idle_s=840.0, lease_s=10.0, lock_ttl_ms=5000, wait_s=5.0, busy_delay_s=1.0)
    base.update(kw)
    return PoolTimings(**base)


class Watch:
    """Samples the emulator's open sessions while waiting."""

    def __init__(self, emu: EmulatorProcess) -> None:
        self.emu, self.most = emu, 0

    def stats(self) -> dict[str, Any]:
        stats = self.emu.stats()
        self.most = max(self.most, stats["sessions"].get("Hookmaker", 0))
        return stats

    def until(self, check: Any, timeout_s: float = 15.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout_s
        while True:
            stats = self.stats()
            if check(stats):
                return stats
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out; last stats {stats}")
            time.sleep(0.03)


def test_workers_never_exceed_the_cap_and_log_in_once_per_expiry(
        emu: EmulatorProcess, redis_url: str, redis_client: redis.Redis, keys: Keys,
        tmp_path: Path) -> None:
    stop = tmp_path / "stop"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [subprocess.Popen([sys.executable, str(HAMMER), emu.url, redis_url, keys.prefix,
                               str(stop)], stdout=subprocess.PIPE, env=env, cwd=str(ROOT))
             for _ in range(WORKERS)]
    watch = Watch(emu)
    try:
        first = watch.until(lambda s: s["logins"] >= CAP and s["by_code"].get("0", 0) >= 200)
        logins = [first["logins"]]
        for _ in range(2):                       # two idle expiries
            emu.advance_clock(901)               # past the 900 s idle expiry
            done = watch.stats()["by_code"].get("0", 0)
            watch.until(lambda s, d=done: s["by_code"].get("0", 0) >= d + 200)
            time.sleep(0.2)
            logins.append(watch.stats()["logins"])
        final = watch.stats()
    finally:
        stop.touch()
        outputs = [p.communicate(timeout=20)[0] for p in procs]
    results = [json.loads(out) for out in outputs]
    assert all(p.returncode == 0 for p in procs)
    assert watch.most <= CAP
    assert "812" not in final["by_code"] and "956" not in final["by_code"], final["by_code"]
    assert logins[0] == CAP                      # four workers needed both sessions
    assert logins[1] - logins[0] == CAP          # one login per expired token, no storm
    assert logins[2] - logins[1] == CAP
    assert final["by_code"].get("952", 0) == 2 * CAP
    assert all(set(r) == {"ok"} for r in results), results
    assert emu.stats()["sessions"] == {}         # every worker logged out on close
    assert redis_client.zcard(keys.fm_tokens("fm")) == 0


def test_token_is_reused_then_rotated_before_idle_expiry(
        emu: EmulatorProcess, redis_client: redis.Redis, keys: Keys) -> None:
    fm = FileMakerClient(make_server(emu.url), redis_client, keys, timings=timings(idle_s=0.3))
    try:
        for _ in range(5):
            fm.layouts()
        assert emu.stats()["logins"] == 1
        time.sleep(0.4)
        fm.layouts()
        stats = emu.stats()
        assert stats["logins"] == 2 and stats["logouts"] == 1
        assert stats["sessions"] == {"Hookmaker": 1}
    finally:
        fm.close()


def test_close_logs_out_what_this_process_opened(emu: EmulatorProcess,
                                                 redis_client: redis.Redis,
                                                 keys: Keys) -> None:
    fm = FileMakerClient(make_server(emu.url), redis_client, keys)
    fm.layouts()
    assert emu.stats()["sessions"] == {"Hookmaker": 1}
    fm.close()
    assert emu.stats()["sessions"] == {} and emu.stats()["logouts"] == 1
    assert fm.pool.open_sessions() == 0


def test_close_leaves_other_processes_tokens_alone(emu: EmulatorProcess,
                                                   redis_client: redis.Redis,
                                                   keys: Keys) -> None:
    one = FileMakerClient(make_server(emu.url), redis_client, keys)
    other = FileMakerClient(make_server(emu.url), redis_client, keys)
    one.layouts()
    other.layouts()                              # reuses the pooled token
    assert emu.stats()["logins"] == 1
    other.close()
    assert emu.stats()["sessions"] == {"Hookmaker": 1}
    one.close()
    assert emu.stats()["sessions"] == {}


def test_every_session_busy_waits_then_unavailable(emu: EmulatorProcess,
                                                   redis_client: redis.Redis,
                                                   keys: Keys) -> None:
    fm = FileMakerClient(make_server(emu.url), redis_client, keys,
                         timings=timings(wait_s=0.3, busy_delay_s=0.5))
    held = [fm.pool.acquire() for _ in range(CAP)]
    try:
        started = time.monotonic()
        with pytest.raises(Unavailable) as info:
            fm.layouts()
        assert 0.3 <= time.monotonic() - started < 2
        assert info.value.delay_s == 0.5
        assert emu.stats()["logins"] == CAP
    finally:
        for lease in held:
            fm.pool.release(lease)
    assert fm.layouts()
    fm.close()


def test_a_crashed_holders_token_comes_back_after_its_lease(emu: EmulatorProcess,
                                                            redis_client: redis.Redis,
                                                            keys: Keys) -> None:
    fm = FileMakerClient(make_server(emu.url), redis_client, keys,
                         timings=timings(lease_s=0.2, wait_s=2.0))
    try:
        fm.pool.acquire()                        # never released: its holder "crashed"
        fm.pool.acquire()
        assert fm.layouts()                      # waits for a lease to run out
        assert emu.stats()["logins"] == CAP
    finally:
        fm.close()
