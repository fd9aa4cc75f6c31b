"""Sessions over real HTTP: login variants, tokens, logout, expiry, cap, spelling."""

from __future__ import annotations

import re

import pytest
import requests

from emulator.testing import EXAMPLE_ACCOUNT as ACCOUNT, DataAPIClient as FM, fm_status as fm_error


@pytest.mark.parametrize("version", ["v1", "v2", "vLatest"])
@pytest.mark.parametrize("suffix", ["/sessions", "/sessions/"])
def test_login_paths_and_versions(emu, version: str, suffix: str) -> None:
    resp = requests.post(f"{emu.url}/fmi/data/{version}/databases/Hookmaker{suffix}",
                         auth=ACCOUNT, json={})
    assert resp.status_code == 200
    token = resp.json()["response"]["token"]
    assert re.fullmatch(r"[0-9a-f]{52}", token)
    assert resp.headers["X-FM-Data-Access-Token"] == token
    assert resp.json()["messages"] == [{"code": "0", "message": "OK"}]


@pytest.mark.parametrize("kwargs", [
    {}, {"json": {}}, {"json": {"fmDataSource": []}},
    {"json": {"fmDataSource": [{"database": "X", "username": "u", "password": "p"}]}},
    {"data": b"", "headers": {"Content-Type": "application/json"}},
])
def test_login_bodies(emu, kwargs) -> None:
    resp = requests.post(f"{emu.data_url()}/databases/Hookmaker/sessions", auth=ACCOUNT, **kwargs)
    assert resp.status_code == 200, resp.text


def test_login_errors(emu) -> None:
    url = f"{emu.data_url()}/databases/Hookmaker/sessions"
    assert fm_error(requests.post(url, auth=("hookmaker", "wrong"), json={})) == (401, "212")
    assert fm_error(requests.post(url, auth=("nobody", "x"), json={})) == (401, "212")
    assert fm_error(requests.post(url, json={})) == (401, "10")
    assert fm_error(requests.post(url.replace("Hookmaker", "Nope"), auth=ACCOUNT,
                                  json={})) == (500, "802")
    resp = requests.post(url, auth=ACCOUNT, data="{}", headers={"Content-Type": "text/plain"})
    assert resp.status_code == 415 and resp.json()["response"] == {}


def test_database_name_with_suffix_and_token_bound_to_spelling(emu) -> None:
    fm = FM(emu.data_url(), "Hookmaker.fmp12")
    fm.login()
    assert fm.call("GET", fm.db("/layouts")).status_code == 200
    other = fm.call("GET", "/databases/Hookmaker/layouts")
    assert fm_error(other) == (401, "952")


def test_logout_without_authorization_header(fm) -> None:
    token = fm.token
    resp = fm.call("DELETE", fm.db(f"/sessions/{token}"), token=False,
                   headers={"Content-Type": "application/json"})
    assert resp.status_code == 200 and resp.json()["response"] == {}
    assert fm_error(fm.call("GET", fm.db("/layouts"))) == (401, "952")
    assert fm_error(fm.call("DELETE", fm.db(f"/sessions/{token}"), token=False)) == (401, "952")


def test_logout_with_authorization_header(fm) -> None:
    assert fm.call("DELETE", fm.db(f"/sessions/{fm.token}")).status_code == 200


def test_missing_and_bad_token(fm) -> None:
    assert fm_error(fm.call("GET", fm.db("/layouts"), token=False)) == (401, "10")
    resp = fm.call("GET", fm.db("/layouts"), headers={"Authorization": "Bearer " + "0" * 52})
    assert fm_error(resp) == (401, "952")


def test_validate_session(fm) -> None:
    resp = fm.call("GET", "/validateSession")
    assert resp.status_code == 200 and resp.json()["response"] == {"isSessionInUse": True}
    fm.token = "f" * 52
    assert fm_error(fm.call("GET", "/validateSession")) == (401, "952")


def test_sliding_idle_expiry_with_clock_advance(emu, fm) -> None:
    emu.advance_clock(890)
    assert fm.call("GET", fm.db("/layouts")).status_code == 200   # resets the timer
    emu.advance_clock(890)
    assert fm.call("GET", fm.db("/layouts")).status_code == 200
    emu.advance_clock(901)
    assert fm_error(fm.call("GET", fm.db("/layouts"))) == (401, "952")
    assert emu.stats()["sessions"] == {}


def test_session_cap_is_812(emu) -> None:
    emu.fault(session_cap=3)
    clients = [FM(emu.data_url()) for _ in range(3)]
    for client in clients:
        client.login()
    resp = requests.post(f"{emu.data_url()}/databases/Hookmaker/sessions", auth=ACCOUNT, json={})
    assert fm_error(resp) == (500, "812")
    assert resp.json()["messages"][0]["message"] == "Exceeded host's capacity"
    assert emu.stats()["sessions"] == {"Hookmaker": 3}
    clients[0].call("DELETE", clients[0].db(f"/sessions/{clients[0].token}"), token=False)
    FM(emu.data_url()).login()
    assert emu.stats()["logins"] == 4


def test_default_session_cap_is_20(emu) -> None:
    for _ in range(20):
        FM(emu.data_url()).login()
    resp = requests.post(f"{emu.data_url()}/databases/Hookmaker/sessions", auth=ACCOUNT, json={})
    assert fm_error(resp) == (500, "812")
