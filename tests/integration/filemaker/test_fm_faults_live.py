"""Each outcome class with faults injected into a real emulator."""

from __future__ import annotations

import socket
import time

import pytest
import redis
from conftest import make_route, make_server

from emulator.testing import EmulatorProcess
from shared.errors import Halt, Permanent, Transient, Unavailable
from shared.filemaker.actions import deliver
from shared.filemaker.client import FileMakerClient
from shared.keys import Keys
from test_fm_actions_live import ORDER_FIELDS, event, order

pytestmark = pytest.mark.integration


def test_latency_beyond_the_read_timeout_is_unavailable(emu: EmulatorProcess,
                                                        redis_client: redis.Redis,
                                                        keys: Keys) -> None:
    fm = FileMakerClient(make_server(emu.url, read_timeout_s=0.3), redis_client, keys)
    try:
        fm.layouts()                                  # log in before the fault
        emu.fault(latency_ms=800)
        started = time.monotonic()
        with pytest.raises(Unavailable) as info:
            fm.layouts()
        assert info.value.code == "read-timeout"
        assert time.monotonic() - started < 0.8       # a read timeout is not retried in-call
    finally:
        emu.clear_faults()
        fm.close()


def test_812_is_unavailable(client: FileMakerClient, emu: EmulatorProcess) -> None:
    client.layouts()
    emu.fault(error={"code": "812", "count": 1, "match": "/records"})
    with pytest.raises(Unavailable) as info:
        client.create("Orders", {"OrderId": "o-1"})
    assert info.value.code == "812" and info.value.delay_s


def test_record_lock_is_transient(client: FileMakerClient, emu: EmulatorProcess) -> None:
    route = make_route("upsert", "Orders", {"OrderId": "/id", "Status": "/status"},
                       key_field="OrderId")
    first = deliver(client, route, event(order(status="pending")))
    emu.fault(lock={"database": "Hookmaker", "table": "Orders",
                    "record_id": int(first.record_id or 0)})
    with pytest.raises(Transient) as info:
        deliver(client, route, event(order(status="paid")))
    assert info.value.code == "301"
    emu.clear_faults()
    assert deliver(client, route, event(order(status="paid"))).operation == "edit"


def test_invalidated_tokens_cost_one_login_then_succeed(client: FileMakerClient,
                                                        emu: EmulatorProcess) -> None:
    client.layouts()
    logins = emu.stats()["logins"]
    emu.fault(invalidate_tokens=True)
    written = client.create("Orders", {"OrderId": "after-restart"})
    assert written.record_id
    assert emu.stats()["logins"] == logins + 1
    assert emu.stats()["by_code"].get("952") == 1


def test_a_fresh_token_rejected_again_is_not_retried_forever(client: FileMakerClient,
                                                             emu: EmulatorProcess) -> None:
    emu.fault(error={"code": "952", "count": 5, "match": "/layouts", "http_status": 401})
    with pytest.raises(Unavailable) as info:
        client.layouts()
    assert info.value.code == "952"
    assert emu.stats()["logins"] == 1


def test_bad_credentials_halt(emu: EmulatorProcess, redis_client: redis.Redis,
                              keys: Keys) -> None:
    fm = FileMakerClient(make_server(emu.url, password="wrong"), redis_client, keys)
    try:
        with pytest.raises(Halt) as info:
            fm.layouts()
        assert info.value.code == "212"
        assert redis_client.get(keys.fm_login_lock("fm")) is None     # the slot is free again
        assert fm.pool.open_sessions() == 0
    finally:
        fm.close()


def test_data_transfer_limit_halts(client: FileMakerClient, emu: EmulatorProcess) -> None:
    client.layouts()
    emu.fault(byte_budget=1)
    with pytest.raises(Halt) as info:
        for _ in range(3):                     # the budget runs out with the first answer
            client.layouts()
    assert info.value.code == "953"


def test_data_api_disabled_gives_html_502_unavailable(client: FileMakerClient,
                                                      emu: EmulatorProcess) -> None:
    emu.fault(data_api_disabled=True)
    with pytest.raises(Unavailable) as info:
        client.layouts()
    assert info.value.code == "http-502"


def test_file_closed_is_unavailable(client: FileMakerClient, emu: EmulatorProcess) -> None:
    emu.fault(file_closed="Hookmaker")
    with pytest.raises(Unavailable) as info:
        client.layouts()
    assert info.value.code == "802"


def test_server_down_is_unavailable_then_recovers(client: FileMakerClient,
                                                  emu: EmulatorProcess) -> None:
    client.layouts()
    emu.fault(down_s=1.5)
    time.sleep(0.4)                            # the emulator closes its socket shortly after
    try:
        with pytest.raises(Unavailable) as info:
            client.layouts()
        assert info.value.code in ("refused", "connection-error")
    finally:
        _wait_until_up(client)


def _wait_until_up(client: FileMakerClient) -> None:
    deadline = time.monotonic() + 5
    while True:
        try:
            assert client.layouts()
            return
        except Unavailable:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_nothing_listening_is_unavailable(redis_client: redis.Redis, keys: Keys) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    fm = FileMakerClient(make_server(f"http://127.0.0.1:{port}"), redis_client, keys)
    try:
        with pytest.raises(Unavailable) as info:
            fm.layouts()
        assert info.value.code == "refused"
        assert redis_client.get(keys.fm_login_lock("fm")) is None
    finally:
        fm.close()


def test_script_error_of_inbox_script_carries_the_code(client: FileMakerClient) -> None:
    route = make_route("inbox", "Inbox", script="Fail")
    with pytest.raises(Permanent) as info:
        deliver(client, route, event(order()))
    assert info.value.code == "3"


def test_validation_failure_is_permanent(client: FileMakerClient) -> None:
    route = make_route("create", "Orders", {**ORDER_FIELDS, "Amount": "/customer"})
    with pytest.raises(Permanent) as info:
        deliver(client, route, event(order()))
    assert info.value.code in ("502", "509")
