"""The pure parts of the actions: field specs, metadata, field data, the script route choice."""

from __future__ import annotations

import json
from types import MappingProxyType
from typing import Any

import pytest

from shared import defaults as D
from shared.config import Route
from shared.envelope import Envelope
from shared.errors import Permanent
from shared.filemaker import actions
from shared.filemaker.check import CheckRow, all_ok, format_table, wanted_fields
from shared.filemaker.mapping import parse_field

RECEIVED = 1714557600.0          # 2024-05-01 10:00:00 UTC


def route(action: str = "inbox", fields: dict[str, Any] | None = None, **kw: Any) -> Route:
    specs = {k: parse_field(k, v) for k, v in (fields or {}).items()}
    return Route(name="r1", source="shop", filemaker="fm", layout="L", action=action,
                 fields=MappingProxyType(specs), **kw)


def envelope(body: Any = None, **kw: Any) -> Envelope:
    raw = body if isinstance(body, bytes) else json.dumps(
        body if body is not None else {"id": "o-1", "total": "12.50", "paid": RECEIVED})\
        .encode()
    base = dict(id="01EVENT", source="shop", received_at=RECEIVED, body=raw,
                headers={"X-Sig": "abc"}, event_type="order.paid")
    base.update(kw)
    return Envelope(**base)


def test_metadata() -> None:
    meta = actions.metadata(route(), envelope())
    assert meta["event_id"] == "01EVENT" and meta["source"] == "shop"
    assert meta["event_type"] == "order.paid" and meta["route"] == "r1"
    assert meta["received_at"] == RECEIVED
    assert json.loads(meta["payload"])["id"] == "o-1"
    assert json.loads(meta["headers"]) == {"X-Sig": "abc"}


def test_inbox_uses_the_default_field_names() -> None:
    data = actions.field_data(route(), envelope())
    assert set(data) == set(D.DEFAULT_INBOX_FIELDS.values())
    assert data["EventId"] == "01EVENT" and data["Route"] == "r1"
    assert data["ReceivedAt"] == "05/01/2024 10:00:00"
    assert data["EventType"] == "order.paid"
    assert json.loads(data["Payload"]) == {"id": "o-1", "total": "12.50", "paid": RECEIVED}


def test_inbox_fields_can_be_renamed_and_extended() -> None:
    r = route(fields={"WebhookId": "@event_id", "Total": {"path": "/total", "type": "number"}})
    data = actions.field_data(r, envelope())
    assert "EventId" not in data and data["WebhookId"] == "01EVENT"
    assert data["Total"] == 12.5 and data["Payload"]
    assert actions.event_id_field(r) == "WebhookId"


def test_inbox_iso_dates() -> None:
    data = actions.field_data(route(), envelope(), iso_dates=True)
    assert data["ReceivedAt"] == "2024-05-01T10:00:00"


def test_inbox_of_a_body_that_is_not_json() -> None:
    data = actions.field_data(route(), envelope(b"a=1&b=2"))
    assert data["Payload"] == "a=1&b=2"


def test_mapping_json_paths_of_a_body_that_is_not_json_is_permanent() -> None:
    with pytest.raises(Permanent, match="not JSON"):
        actions.field_data(route("create", {"OrderId": "/id"}), envelope(b"<xml/>"))


def test_create_mapping_numbers_and_timestamps() -> None:
    r = route("create", {"OrderId": "/id", "Amount": {"path": "/total", "type": "number"},
                         "PaidAt": {"path": "/paid", "type": "timestamp"},
                         "Status": {"const": "paid"}, "At": "@received_at"})
    data = actions.field_data(r, envelope())
    assert data == {"OrderId": "o-1", "Amount": 12.5, "PaidAt": "05/01/2024 10:00:00",
                    "Status": "paid", "At": "05/01/2024 10:00:00"}


def test_missing_mapped_field_is_a_clear_permanent_error() -> None:
    r = route("create", {"Customer": "/customer/email"})
    with pytest.raises(Permanent, match="Customer"):
        actions.field_data(r, envelope())


def test_event_id_field_is_added_when_named_but_not_mapped() -> None:
    r = route("create", {"OrderId": "/id"}, event_id_field="EventId")
    assert actions.field_data(r, envelope())["EventId"] == "01EVENT"
    assert actions.event_id_field(r) == "EventId"


def test_event_id_field_defaults() -> None:
    assert actions.event_id_field(route()) == "EventId"
    assert actions.event_id_field(route("create", {"OrderId": "/id"})) is None
    assert actions.event_id_field(route("create", {"Ev": "@event_id"})) == "Ev"


def test_received_at_with_a_declared_type_is_left_alone() -> None:
    r = route("create", {"Day": {"meta": "received_at", "type": "date"}})
    assert actions.field_data(r, envelope()) == {"Day": "05/01/2024"}


@pytest.mark.parametrize("length,fits", [(1999, True), (2000, True), (2001, False)])
def test_script_route_choice(length: int, fits: bool) -> None:
    assert actions.fits_in_url(length) is fits


def test_wanted_fields_include_key_and_event_id() -> None:
    r = route("upsert", {"OrderId": "/id"}, key_field="OrderKey", event_id_field="EventId")
    assert wanted_fields(r) == ["OrderId", "EventId", "OrderKey"]


def test_format_table_and_all_ok() -> None:
    rows = [CheckRow("orders", "fm", "login", True, "as hookmaker"),
            CheckRow("orders", "fm", "field Nope", False, "not on the layout")]
    table = format_table(rows)
    lines = table.splitlines()
    assert lines[0].split() == ["ROUTE", "SERVER", "CHECK", "RESULT", "DETAIL"]
    assert "FAIL" in lines[2] and "field Nope" in lines[2]
    assert lines[1].index("login") == lines[2].index("field Nope")
    assert not all_ok(rows) and all_ok(rows[:1]) and not all_ok([])
    assert format_table([]) == "no routes to check"
