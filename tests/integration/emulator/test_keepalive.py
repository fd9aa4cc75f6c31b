"""The emulator keeps connections alive (as FileMaker Server does), and "down" closes them."""

from __future__ import annotations

import http.client
import time
from urllib.parse import urlsplit

import pytest
import requests


def _connection(url: str) -> http.client.HTTPConnection:
    parts = urlsplit(url)
    return http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)


def _health(conn: http.client.HTTPConnection) -> http.client.HTTPResponse:
    conn.request("GET", "/_emulator/health")
    response = conn.getresponse()
    response.read()
    return response


def test_one_connection_serves_many_requests(emu, fm) -> None:
    conn = _connection(emu.url)
    first = _health(conn)
    sock = conn.sock
    assert first.status == 200 and first.getheader("Connection", "").lower() != "close"
    for _ in range(3):
        assert _health(conn).status == 200
    assert conn.sock is sock and sock is not None          # never reconnected
    conn.close()


def test_down_closes_open_connections_too(emu, fm) -> None:
    conn = _connection(emu.url)
    assert _health(conn).status == 200
    emu.fault(down_s=1.0)
    time.sleep(0.4)
    with pytest.raises((http.client.HTTPException, OSError)):
        _health(conn)                                      # the kept connection is gone
    conn.close()
    with pytest.raises(requests.ConnectionError):
        requests.get(emu.url + "/_emulator/health", timeout=2)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            assert requests.get(emu.url + "/_emulator/health", timeout=2).status_code == 200
            break
        except requests.ConnectionError:
            time.sleep(0.1)
    else:
        pytest.fail("the emulator did not come back")
    assert fm.call("GET", fm.db("/layouts")).status_code == 200     # same process: same tokens
