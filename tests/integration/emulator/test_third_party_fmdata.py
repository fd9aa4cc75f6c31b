"""fmdata (a second Data API client no one here wrote: an ORM with a low-level API), used
unchanged against the emulator: what it sends and how it reads the answers must both fit."""

from __future__ import annotations

import io
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import fmdata
import pytest
from fmdata import FMFieldType
from fmdata.orm import Model

from emulator.testing import EXAMPLE_SCHEMA, EmulatorProcess


@pytest.fixture
def client(tmp_path: Path):
    with EmulatorProcess(EXAMPLE_SCHEMA, tmp_path / "data") as emu:
        login = fmdata.UsernamePasswordLogin(username="hookmaker", password="hookmaker-dev")
        yield fmdata.Client(url=emu.url, database="Hookmaker", version="22",
                            login_provider=login)


def order_model(fm_client):
    class Order(Model):
        class Meta:
            client = fm_client
            layout = "Orders"

        event_id = fmdata.String(field_name="EventId", field_type=FMFieldType.Text)
        order_id = fmdata.String(field_name="OrderId", field_type=FMFieldType.Text)
        amount = fmdata.Decimal(field_name="Amount", field_type=FMFieldType.Number)
        currency = fmdata.String(field_name="Currency", field_type=FMFieldType.Text)
        paid_at = fmdata.DateTime(field_name="PaidAt", field_type=FMFieldType.Timestamp)

    return Order


def test_fmdata_orm_finds_sorts_edits_and_deletes(client) -> None:
    Order = order_model(client)
    for i, (amount, currency, day) in enumerate([("49.5", "usd", 3), ("10", "eur", 4),
                                                 ("7.25", "usd", 5)]):
        Order.objects.create(event_id=f"evt_{i}", order_id=f"ord_{i}", amount=Decimal(amount),
                             currency=currency, paid_at=datetime(2025, 12, day, 12, 0, 0))

    [big] = Order.objects.find(amount__gt=Decimal("20"))
    assert (big.order_id, big.amount, big.paid_at) == (
        "ord_0", Decimal("49.5"), datetime(2025, 12, 3, 12, 0))
    newest_first = Order.objects.find(order_id__startswith="ord_").order_by("-paid_at")
    assert [o.order_id for o in newest_first] == ["ord_2", "ord_1", "ord_0"]
    in_range = Order.objects.find(paid_at__range=(datetime(2025, 12, 4), datetime(2025, 12, 6)))
    assert [o.order_id for o in in_range.order_by("paid_at")] == ["ord_1", "ord_2"]
    not_eur = Order.objects.find(order_id__startswith="ord").omit(currency="eur")
    assert [o.order_id for o in not_eur.order_by("order_id")] == ["ord_0", "ord_2"]
    assert len(Order.objects.find(currency="usd")) == 2
    assert [o.order_id for o in Order.objects.find(currency="*")] == [], \
        "fmdata escapes *: a literal asterisk matches nothing"

    order = Order.objects.find(order_id="ord_1").first()
    order.currency = "gbp"
    order.save()
    assert Order.objects.get(order.record_id).currency == "gbp"
    order.delete()
    page = Order.objects.find(order_id__startswith="ord").order_by("order_id")[1:2]
    assert [o.order_id for o in page] == ["ord_2"]

    with pytest.raises(fmdata.FileMakerErrorException, match="511"):
        Order.objects.create(event_id="evt_long", currency="euro-dollars")


def test_fmdata_low_level_calls(client) -> None:
    created = client.create_record(layout="Inbox", field_data={
        "EventId": "evt_fmdata", "Source": "stripe", "Payload": "{}"})
    record_id = created.raise_exception_if_has_error().response.record_id
    assert record_id == "1" and created.response.mod_id == "0"

    got = client.get_record(layout="Inbox", record_id=record_id).raise_exception_if_has_error()
    [row] = got.response.data
    assert row.field_data["EventId"] == "evt_fmdata" and row.portal_data is not None
    assert got.response.data_info.found_count == 1

    nothing = client.find(layout="Inbox", query=[{"EventId": "==nothing"}], limit=10)
    assert [e.code for e in nothing.errors] == [] and nothing.response.data is None, \
        "fmdata reads a find with no match (HTTP 500, code 401) as an empty result"
    assert nothing.http_response.status_code == 500
    assert nothing.http_response.json()["messages"][0]["code"] == "401"

    edited = client.edit_record(layout="Inbox", record_id=record_id,
                                field_data={"Route": "orders"}).raise_exception_if_has_error()
    assert edited.response.mod_id == "1"
    echo = client.perform_script(layout="Inbox", name="Echo", param="hello")
    assert (echo.response.script_error, echo.response.script_result) == ("0", "hello")
    failed = client.perform_script(layout="Inbox", name="Fail", param="3")
    assert failed.errors == [] and failed.response.script_error == "3"
    client.set_globals(global_fields={"Inbox::gLastSource": "github"}) \
        .raise_exception_if_has_error()
    client.upload_container(layout="Inbox", record_id=record_id, field_name="Attachment",
                            file=io.BytesIO(b"abc")).raise_exception_if_has_error()
    layouts = client.get_layouts().raise_exception_if_has_error().raw_content
    assert "Inbox" in [layout["name"] for layout in layouts["response"]["layouts"]]
    scripts = client.get_scripts().raise_exception_if_has_error().raw_content
    assert "Import JSON" in [script["name"] for script in scripts["response"]["scripts"]]

    client.delete_record(layout="Inbox", record_id=record_id).raise_exception_if_has_error()
    gone = client.get_record(layout="Inbox", record_id=record_id)
    assert [str(e.code) for e in gone.errors] == ["101"]
    client.logout().raise_exception_if_has_error()
