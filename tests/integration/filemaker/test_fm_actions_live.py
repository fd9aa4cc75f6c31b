"""Every action against a real emulator: create, upsert (both paths), script, inbox."""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import DATABASE, make_route

from emulator.testing import EmulatorProcess
from shared.envelope import Envelope, new_ulid
from shared.errors import Permanent, Transient
from shared.filemaker.actions import deliver, find_by_event_id
from shared.filemaker.client import FileMakerClient

pytestmark = pytest.mark.integration

ORDER_FIELDS = {"EventId": "@event_id", "OrderId": "/id", "Customer": "/customer",
                "Amount": {"path": "/amount", "type": "number"}, "Currency": "/currency",
                "Status": "/status", "PaidAt": {"path": "/paid_at", "type": "timestamp"}}


def event(payload: Any, **kw: Any) -> Envelope:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    base: dict[str, Any] = dict(id=new_ulid(), source="shop", received_at=1714557600.0,
                                body=body, headers={"X-Shop-Topic": "orders/paid"},
                                event_type="orders/paid")
    base.update(kw)
    return Envelope(**base)


def order(order_id: str = "o-1", status: str = "paid", amount: Any = "12.50") -> dict:
    return {"id": order_id, "customer": "ann@example.com", "amount": amount,
            "currency": "EUR", "status": status, "paid_at": "2024-05-01T10:00:00Z"}


def rows(emu: EmulatorProcess, layout: str) -> list[dict[str, Any]]:
    return [r["fieldData"] for r in emu.records(DATABASE, layout)]


def test_create(client: FileMakerClient, emu: EmulatorProcess) -> None:
    route = make_route("create", "Orders", ORDER_FIELDS, event_id_field="EventId")
    ev = event(order())
    delivery = deliver(client, route, ev)
    assert delivery.record_id and not delivery.already_there
    assert delivery.operation == "create"
    [stored] = rows(emu, "Orders")
    assert stored["EventId"] == ev.id and stored["OrderId"] == "o-1"
    assert stored["Amount"] == 12.5 and stored["PaidAt"] == "05/01/2024 10:00:00"


def test_create_twice_is_already_there(client: FileMakerClient, emu: EmulatorProcess) -> None:
    route = make_route("create", "Orders", ORDER_FIELDS, event_id_field="EventId")
    ev = event(order())
    first = deliver(client, route, ev)
    again = deliver(client, route, ev)
    assert again.already_there and again.record_id == first.record_id
    assert again.operation == "existing"
    assert len(rows(emu, "Orders")) == 1


def test_create_with_a_field_value_filemaker_rejects(client: FileMakerClient) -> None:
    route = make_route("create", "Orders", {"Currency": "/currency"})
    with pytest.raises(Permanent) as info:
        deliver(client, route, event({"currency": "EURO"}))      # max 3 characters
    assert info.value.code == "511"


def test_create_with_a_field_not_on_the_layout(client: FileMakerClient) -> None:
    route = make_route("create", "Orders", {"Nope": "/id"})
    with pytest.raises(Permanent) as info:
        deliver(client, route, event(order()))
    assert info.value.code == "102"


def test_create_on_a_missing_layout(client: FileMakerClient) -> None:
    route = make_route("create", "Nowhere", {"OrderId": "/id"})
    with pytest.raises(Permanent) as info:
        deliver(client, route, event(order()))
    assert info.value.code == "105"


def test_missing_payload_value_is_permanent_before_any_request(
        client: FileMakerClient, emu: EmulatorProcess) -> None:
    route = make_route("create", "Orders", {"OrderId": "/nope"})
    with pytest.raises(Permanent, match="OrderId"):
        deliver(client, route, event(order()))
    assert emu.stats()["total_requests"] == 0


def test_upsert_creates_then_edits(client: FileMakerClient, emu: EmulatorProcess) -> None:
    route = make_route("upsert", "Orders", {k: v for k, v in ORDER_FIELDS.items()
                                            if k != "EventId"}, key_field="OrderId")
    created = deliver(client, route, event(order(status="pending")))
    assert created.operation == "create" and not created.already_there
    edited = deliver(client, route, event(order(status="paid", amount=20)))
    assert edited.operation == "edit" and edited.record_id == created.record_id
    [stored] = rows(emu, "Orders")
    assert stored["Status"] == "paid" and stored["Amount"] == 20


def test_upsert_when_create_says_not_unique(client: FileMakerClient,
                                            emu: EmulatorProcess) -> None:
    """Another writer created the record between our find and our create."""
    route = make_route("upsert", "Orders", {"OrderId": "/id", "Status": "/status"},
                       key_field="OrderId")
    first = deliver(client, route, event(order(status="pending")))
    emu.fault(error=[{"code": "401", "count": 1, "match": "/_find"},
                     {"code": "504", "count": 1, "match": "/records", "method": "POST"}])
    raced = deliver(client, route, event(order(status="paid")))
    assert raced.already_there and raced.operation == "edit"
    assert raced.record_id == first.record_id
    [stored] = rows(emu, "Orders")
    assert stored["Status"] == "paid"


def test_upsert_key_missing_is_permanent(client: FileMakerClient) -> None:
    route = make_route("upsert", "Orders", {"OrderId": {"path": "/id", "required": False,
                                                        "default": ""}},
                       key_field="OrderId")
    with pytest.raises(Permanent, match="upsert key"):
        deliver(client, route, event({"other": 1}))


def test_upsert_with_several_matches_is_permanent(client: FileMakerClient) -> None:
    create = make_route("create", "Orders", {"OrderId": "/id"})
    deliver(client, create, event(order()))
    deliver(client, create, event(order()))
    route = make_route("upsert", "Orders", {"OrderId": "/id"}, key_field="OrderId")
    with pytest.raises(Permanent, match="several records"):
        deliver(client, route, event(order()))


def test_script_via_the_get_route(client: FileMakerClient, emu: EmulatorProcess) -> None:
    route = make_route("script", "Orders", script="Echo")
    ev = event(order())
    delivery = deliver(client, route, ev)
    assert delivery.operation == "script" and delivery.record_id is None
    assert json.loads(delivery.script_result or "") == order()
    assert rows(emu, "Orders") == []
    assert any("\tGET\t" in line and "/script/Echo" in line for line in emu.access_log())


def test_script_with_a_large_parameter_goes_in_a_create(client: FileMakerClient,
                                                        emu: EmulatorProcess) -> None:
    route = make_route("script", "Orders", script="Echo")
    payload = {"id": "o-big", "notes": "x" * 3000}
    delivery = deliver(client, route, event(payload))
    assert json.loads(delivery.script_result or "") == payload
    assert delivery.record_id is not None
    assert len(rows(emu, "Orders")) == 1
    assert not any("/script/Echo" in line for line in emu.access_log())


def test_script_error_is_a_failure_with_its_code(client: FileMakerClient) -> None:
    route = make_route("script", "Orders", script="Fail")
    with pytest.raises(Permanent) as info:
        deliver(client, route, event(order()))
    assert info.value.code == "3" and info.value.script == "Fail"


def test_script_error_of_a_lock_is_transient(client: FileMakerClient) -> None:
    with pytest.raises(Transient) as info:
        client.run_script("Orders", "Fail", "301")
    assert info.value.code == "301"


def test_script_error_in_a_large_parameter_create(client: FileMakerClient) -> None:
    route = make_route("script", "Orders", script="Fail")
    with pytest.raises(Permanent) as info:
        deliver(client, route, event({"pad": "y" * 3000}))
    assert info.value.code == "3"


def test_inbox(client: FileMakerClient, emu: EmulatorProcess) -> None:
    route = make_route("inbox", "Inbox")
    ev = event(order())
    delivery = deliver(client, route, ev)
    assert delivery.record_id and delivery.script_result is None
    [stored] = rows(emu, "Inbox")
    assert stored["EventId"] == ev.id and stored["Source"] == "shop"
    assert stored["EventType"] == "orders/paid" and stored["Route"] == route.name
    assert stored["ReceivedAt"] == "05/01/2024 10:00:00"
    assert json.loads(stored["Payload"]) == order()
    assert json.loads(stored["Headers"]) == {"X-Shop-Topic": "orders/paid"}


def test_inbox_with_a_script(client: FileMakerClient, emu: EmulatorProcess) -> None:
    route = make_route("inbox", "Inbox", script="Trace")
    ev = event(order())
    delivery = deliver(client, route, ev)
    # Trace: "n:phase:foundCount:recordId:param": after the create, on the new record.
    parts = (delivery.script_result or "").split(":")
    assert parts[1] == "after" and parts[3] == delivery.record_id and parts[4] == ev.id


def test_inbox_script_failure_then_retry_runs_it_again(client: FileMakerClient,
                                                       emu: EmulatorProcess) -> None:
    route = make_route("inbox", "Inbox", script="Fail")
    ev = event(order())
    with pytest.raises(Permanent) as info:
        deliver(client, route, ev)
    assert info.value.code == "3"
    assert len(rows(emu, "Inbox")) == 1            # the record is there, the script failed
    with pytest.raises(Permanent):                 # a retry does not pass it off as done
        deliver(client, route, ev)
    ok = make_route("inbox", "Inbox", script="Trace")
    delivery = deliver(client, ok, ev)
    assert delivery.already_there and delivery.script_result
    assert len(rows(emu, "Inbox")) == 1


def test_find_by_event_id(client: FileMakerClient) -> None:
    route = make_route("inbox", "Inbox")
    ev = event(order())
    assert find_by_event_id(client, route, ev) is None
    delivery = deliver(client, route, ev)
    assert find_by_event_id(client, route, ev) == delivery.record_id
    orders = make_route("create", "Orders", {"OrderId": "/id"})
    assert find_by_event_id(client, orders, ev) is None       # no event-id field


def test_client_record_verbs(client: FileMakerClient) -> None:
    written = client.create("Orders", {"OrderId": "o-9", "Amount": 3})
    assert written.record_id
    record = client.get("Orders", written.record_id)
    assert record.field_data["OrderId"] == "o-9"
    edited = client.edit("Orders", written.record_id, {"Status": "void"})
    assert edited.mod_id == "1"
    client.delete("Orders", written.record_id)
    with pytest.raises(Permanent) as info:
        client.get("Orders", written.record_id)
    assert info.value.code == "101"
    assert client.find("Orders", [{"OrderId": "==o-9"}]) == []
