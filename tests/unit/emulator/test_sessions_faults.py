"""Sessions (cap, sliding expiry, spelling binding), the clock, faults, the access log."""

from __future__ import annotations

import re

import pytest

from emulator.accesslog import AccessLog, RequestStats, format_line, parse_line
from emulator.clock import Clock
from emulator.errors import FMError, http_status_for
from emulator.faults import FaultState
from emulator.paging import page, parse_sort
from emulator.settings import EmulatorSettings


class FakeTime:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def registry(idle_s: float = 900, cap: int = 2, scale: float = 1.0):
    from emulator.sessions import SessionRegistry
    fake = FakeTime()
    return SessionRegistry(Clock(scale, fake), idle_s, cap), fake


def test_token_is_52_lowercase_hex() -> None:
    sessions, _ = registry()
    assert re.fullmatch(r"[0-9a-f]{52}", sessions.open("DB", "DB", "u").token)


def test_sliding_idle_expiry() -> None:
    sessions, fake = registry(idle_s=900)
    token = sessions.open("DB", "DB", "u").token
    fake.now += 899
    sessions.use(token)
    fake.now += 899
    sessions.use(token)          # each call resets the idle timer
    fake.now += 901
    with pytest.raises(FMError) as exc:
        sessions.use(token)
    assert exc.value.code == "952" and exc.value.http_status == 401


def test_fast_clock_scales_idle_time() -> None:
    sessions, fake = registry(idle_s=900, scale=100)
    token = sessions.open("DB", "DB", "u").token
    fake.now += 10                # 1000 emulated seconds
    with pytest.raises(FMError):
        sessions.use(token)


def test_cap_per_database_is_812_and_expired_sessions_free_slots() -> None:
    sessions, fake = registry(cap=2)
    sessions.open("DB", "DB", "u")
    sessions.open("DB", "db.fmp12", "u")
    sessions.open("Other", "Other", "u")
    with pytest.raises(FMError) as exc:
        sessions.open("DB", "DB", "u")
    assert exc.value.code == "812" and exc.value.http_status == 500
    assert exc.value.message == "Exceeded host's capacity"
    fake.now += 1000
    sessions.open("DB", "DB", "u")
    assert sessions.open_counts() == {"DB": 1}


def test_token_bound_to_login_spelling() -> None:
    sessions, _ = registry()
    token = sessions.open("DB", "db.fmp12", "u").token
    sessions.use(token, "db.fmp12")
    with pytest.raises(FMError):
        sessions.use(token, "DB")


def test_close_and_invalidate_all() -> None:
    sessions, _ = registry(cap=5)
    token = sessions.open("DB", "DB", "u").token
    sessions.close(token, "DB")
    with pytest.raises(FMError):
        sessions.close(token, "DB")
    sessions.open("DB", "DB", "u")
    assert sessions.invalidate_all() == 1 and sessions.open_counts() == {}


def test_clock_advance() -> None:
    fake = FakeTime()
    clock = Clock(1.0, fake)
    assert clock.advance(60) == pytest.approx(1060)
    with pytest.raises(ValueError):
        clock.advance(-1)


def test_http_status_table() -> None:
    assert [http_status_for(c) for c in ("0", "952", "212", "10", "401", "812")] == \
        [200, 401, 401, 401, 500, 500]


def test_error_fault_count_fraction_match() -> None:
    faults = FaultState()
    faults.apply({"error": {"code": "812", "count": 2, "match": "/records"}})
    assert faults.injected_error("GET", "/fmi/x/productInfo") is None
    assert faults.injected_error("GET", "/fmi/records").code == "812"
    assert faults.injected_error("GET", "/fmi/records").code == "812"
    assert faults.injected_error("GET", "/fmi/records") is None
    faults.apply({"error": {"code": "301", "fraction": 0.5, "seed": 7}})
    hits = sum(faults.injected_error("GET", "/x") is not None for _ in range(400))
    assert 150 < hits < 250


def test_latency_and_degradation() -> None:
    faults = FaultState()
    assert faults.delay_s() == 0
    faults.apply({"latency_ms": 200})
    assert faults.delay_s() == pytest.approx(0.2)
    faults.apply({"latency": {"distribution": "uniform", "min_ms": 10, "max_ms": 20}})
    assert all(0.01 <= faults.delay_s() <= 0.02 for _ in range(20))
    faults.clear()
    faults.apply({"degrade_ms_per_request": 10, "degrade_max_ms": 25})
    assert [round(faults.delay_s(), 3) for _ in range(4)] == [0, 0.01, 0.02, 0.025]


def test_locks_closed_budget_and_bad_specs() -> None:
    faults = FaultState()
    actions = faults.apply({"lock": {"database": "DB", "table": "T", "record_id": 3},
                            "file_closed": "DB", "byte_budget": 10, "down_s": 1})
    assert actions == {"down_s": 1}
    assert faults.is_locked("db", "T", 3) and not faults.is_locked("db", "T", 4)
    assert faults.is_closed("DB") and not faults.is_closed("Other")
    faults.count_bytes(10)
    assert faults.over_budget()
    for bad in ({"nope": 1}, {"error": {}}, {"latency": {"distribution": "zipf"}},
                {"lock": {"database": "DB"}}):
        with pytest.raises(ValueError):
            faults.apply(bad)


def test_access_log_line_shape(tmp_path) -> None:
    line = format_line(0.5, "0", "127.0.0.1", "hookmaker", "POST", "/fmi/data/v1/x", 84)
    assert line == "1970-01-01 00:00:00.500 +0000\t0\tINFO\t127.0.0.1\thookmaker\tPOST\t/fmi/data/v1/x\t84"
    assert parse_line(line)["bytes"] == 84
    log = AccessLog(tmp_path / "fmdapi.log", memory_lines=2)
    for i in range(3):
        log.write(f"l{i}")
    log.close()
    assert log.recent() == ["l1", "l2"]
    assert (tmp_path / "fmdapi.log").read_text().splitlines() == ["l0", "l1", "l2"]


def test_request_stats_per_second() -> None:
    stats = RequestStats()
    for t in (100.1, 100.9, 101.0):
        stats.hit(t)
    stats.done("0", 10)
    snap = stats.snapshot()
    assert snap["requests_per_second"] == [{"second": 100, "count": 2}, {"second": 101, "count": 1}]
    assert snap["total_requests"] == 3 and snap["by_code"] == {"0": 1}


def test_paging_and_sort_parsing() -> None:
    assert page(list(range(1, 11)), "3", 2) == [3, 4]
    assert page(list(range(1, 11))) == list(range(1, 11))
    with pytest.raises(FMError):
        page([1], 0)
    assert parse_sort('[{"fieldName": "A", "sortOrder": "descend"}, {"fieldName": "B"}]') == \
        [("A", True), ("B", False)]
    with pytest.raises(FMError):
        parse_sort("[1]")


def test_settings_validate() -> None:
    with pytest.raises(ValueError, match="session_cap"):
        EmulatorSettings(session_cap=0)
    with pytest.raises(ValueError, match="clock_scale"):
        EmulatorSettings(clock_scale=0)
