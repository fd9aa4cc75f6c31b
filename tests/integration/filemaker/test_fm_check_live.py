"""``check_routes`` against a real emulator: a good configuration and a bad one."""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType

import pytest
import redis
from conftest import make_route, make_server

from emulator.testing import EmulatorProcess
from shared.config import Config, FileMakerServer, IngressSettings, RedisSettings, Route, \
    WorkerSettings
from shared.filemaker.check import all_ok, check_routes, format_table
from shared.keys import Keys

pytestmark = pytest.mark.integration


def config(server: FileMakerServer, *routes: Route) -> Config:
    return Config(path=Path("test.toml"), redis=RedisSettings(url=None),
                  ingress=IngressSettings(), worker=WorkerSettings(),
                  filemaker=MappingProxyType({server.name: server}),
                  sources=MappingProxyType({}), routes=routes)


def test_good_routes_pass(server: FileMakerServer, redis_client: redis.Redis, keys: Keys,
                          emu: EmulatorProcess) -> None:
    routes = (make_route("inbox", "Inbox", script="Trace"),
              make_route("upsert", "Orders", {"OrderId": "/id", "Amount": "/amount"},
                         key_field="OrderId", event_id_field="EventId"))
    rows = check_routes(config(server, *routes), redis_client, keys)
    assert all_ok(rows), format_table(rows)
    items = [(r.route, r.item) for r in rows]
    assert ("inbox-inbox", "field Payload") in items
    assert ("inbox-inbox", "script Trace") in items
    assert ("upsert-orders", "field EventId") in items
    assert emu.stats()["sessions"] == {}                  # logged out when done


def test_bad_routes_fail_and_say_why(server: FileMakerServer, redis_client: redis.Redis,
                                     keys: Keys) -> None:
    routes = (make_route("create", "Orders", {"OrderId": "/id", "Bogus": "/x"}),
              make_route("script", "Orders", script="No Such Script"),
              make_route("inbox", "Outbox"))
    rows = check_routes(config(server, *routes), redis_client, keys)
    table = format_table(rows)
    assert not all_ok(rows)
    failed = {(r.route, r.item): r.detail for r in rows if not r.ok}
    assert failed == {("create-orders", "field Bogus"): "not on the layout",
                      ("script-orders", "script No Such Script"): "no such script",
                      ("inbox-outbox", "layout Outbox"): "no such layout"}, table
    assert "FAIL" in table


def test_bad_credentials_are_a_failed_login(emu: EmulatorProcess, redis_client: redis.Redis,
                                            keys: Keys) -> None:
    server = make_server(emu.url, password="nope")
    rows = check_routes(config(server, make_route("inbox", "Inbox")), redis_client, keys)
    assert [(r.item, r.ok) for r in rows] == [("login", False)]
    assert "212" in rows[0].detail and "halt" in rows[0].detail
