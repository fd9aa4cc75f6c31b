"""Every fault kind over real HTTP, set through the admin endpoint."""

from __future__ import annotations

import time

import pytest
import requests

from emulator.testing import EXAMPLE_ACCOUNT, DataAPIClient, fm_status


def test_fixed_latency(emu, fm) -> None:
    emu.fault(latency_ms=300)
    start = time.monotonic()
    fm.call("GET", fm.db("/layouts"))
    assert time.monotonic() - start >= 0.3
    emu.clear_faults()
    start = time.monotonic()
    fm.call("GET", fm.db("/layouts"))
    assert time.monotonic() - start < 0.3


def test_distributed_latency(emu, fm) -> None:
    emu.fault(latency={"distribution": "uniform", "min_ms": 100, "max_ms": 150})
    start = time.monotonic()
    for _ in range(3):
        fm.call("GET", fm.db("/layouts"))
    assert 0.3 <= time.monotonic() - start < 2


def test_error_for_next_n_requests(emu, fm) -> None:
    emu.fault(error={"code": "812", "count": 2})
    assert fm_status(fm.call("GET", fm.db("/layouts"))) == (500, "812")
    assert fm_status(fm.call("GET", fm.db("/layouts"))) == (500, "812")
    assert fm.call("GET", fm.db("/layouts")).status_code == 200


def test_error_for_a_fraction_matching_a_path(emu, fm) -> None:
    emu.fault(error={"code": "301", "fraction": 0.5, "match": "/records", "seed": 3})
    codes = [fm_status(fm.call("POST", fm.db("/layouts/Orders/records"),
                               json={"fieldData": {}}))[1] for _ in range(30)]
    assert 5 < codes.count("301") < 25 and codes.count("0") == 30 - codes.count("301")
    assert fm.call("GET", fm.db("/layouts")).status_code == 200


def test_injected_952_is_http_401(emu, fm) -> None:
    emu.fault(error={"code": "952", "count": 1})
    assert fm_status(fm.call("GET", fm.db("/layouts"))) == (401, "952")


def test_locked_record_is_301(emu, fm) -> None:
    fm.create(EventId="a")
    fm.create(EventId="b")
    emu.fault(lock={"database": "Hookmaker", "table": "Inbox", "record_id": 1})
    edit = fm.call("PATCH", fm.db("/layouts/Inbox/records/1"), json={"fieldData": {"Route": "x"}})
    assert fm_status(edit) == (500, "301")
    assert fm_status(fm.call("DELETE", fm.db("/layouts/Inbox/records/1"))) == (500, "301")
    assert fm.call("GET", fm.db("/layouts/Inbox/records/1")).status_code == 200
    assert fm.call("PATCH", fm.db("/layouts/Inbox/records/2"),
                   json={"fieldData": {"Route": "x"}}).status_code == 200
    emu.clear_faults()
    assert fm.call("DELETE", fm.db("/layouts/Inbox/records/1")).status_code == 200


def test_file_closed_is_802(emu, fm) -> None:
    emu.fault(file_closed="Hookmaker")
    assert fm_status(fm.call("GET", fm.db("/layouts"))) == (500, "802")
    login = requests.post(f"{emu.data_url()}/databases/Hookmaker/sessions",
                          auth=EXAMPLE_ACCOUNT, json={})
    assert fm_status(login) == (500, "802")
    assert requests.get(emu.data_url() + "/productInfo").status_code == 200


def test_invalidate_all_tokens_is_952(emu, fm) -> None:
    other = DataAPIClient(emu.data_url())
    other.login()
    assert emu.fault(invalidate_tokens=True)["invalidated"] == 2
    assert fm_status(fm.call("GET", fm.db("/layouts"))) == (401, "952")
    assert fm_status(other.call("GET", other.db("/layouts"))) == (401, "952")
    fm.login()
    assert fm.call("GET", fm.db("/layouts")).status_code == 200


def test_data_api_disabled_is_502_html(emu, fm) -> None:
    emu.fault(data_api_disabled=True)
    resp = fm.call("GET", fm.db("/layouts"))
    assert resp.status_code == 502 and resp.headers["Content-Type"].startswith("text/html")
    assert "<html>" in resp.text
    emu.fault(data_api_disabled=False)
    assert fm.call("GET", fm.db("/layouts")).status_code == 200


def test_byte_budget_is_953(emu, fm) -> None:
    emu.fault(byte_budget=200)
    fm.call("GET", fm.db("/layouts"))
    fm.call("GET", fm.db("/layouts"))
    assert fm_status(fm.call("GET", fm.db("/layouts"))) == (500, "953")


def test_down_refuses_connections_then_serves_the_same_data(emu, fm) -> None:
    fm.create(EventId="kept")
    emu.fault(down_s=1.0)
    time.sleep(0.3)
    with pytest.raises(requests.ConnectionError):
        requests.get(emu.url + "/_emulator/health", timeout=2)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            requests.get(emu.url + "/_emulator/health", timeout=2)
            break
        except requests.ConnectionError:
            time.sleep(0.1)
    records = emu.records("Hookmaker", "Inbox")
    assert [r["fieldData"]["EventId"] for r in records] == ["kept"]
    assert fm.call("GET", fm.db("/layouts")).status_code == 200


def test_bad_fault_spec_is_400(emu) -> None:
    resp = requests.post(emu.url + "/_emulator/faults", json={"nope": 1})
    assert resp.status_code == 400 and "nope" in resp.json()["error"]
    assert requests.get(emu.url + "/_emulator/faults").json()["faults"]["errors"] == []
