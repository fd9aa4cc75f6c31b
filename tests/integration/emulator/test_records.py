"""Records over real HTTP: CRUD, duplicate, ranges, sort, field rules, status table."""

from __future__ import annotations

import json

import pytest

from emulator.testing import fm_status

INBOX = "/layouts/Inbox/records"
ORDERS = "/layouts/Orders/records"


def test_create_get_edit_delete(fm) -> None:
    created = fm.create(EventId="evt_1", Source="stripe", ReceivedAt="01/02/2024 03:04:05",
                        Payload='{"a": 1}\n{"b": 2}')
    assert created == {"recordId": "1", "modId": "0"}
    got = fm.call("GET", fm.db(f"{INBOX}/1"))
    body = got.json()
    assert got.status_code == 200 and body["messages"] == [{"code": "0", "message": "OK"}]
    info = body["response"]["dataInfo"]
    assert info == {"database": "Hookmaker", "layout": "Inbox", "table": "Inbox",
                    "totalRecordCount": 1, "foundCount": 1, "returnedCount": 1}
    record = body["response"]["data"][0]
    assert record["recordId"] == "1" and record["modId"] == "0" and record["portalData"] == {}
    assert record["fieldData"]["ReceivedAt"] == "01/02/2024 03:04:05"
    assert record["fieldData"]["Payload"] == '{"a": 1}\r{"b": 2}'
    assert record["fieldData"]["EventType"] == ""
    assert len(record["fieldData"]["CreatedAt"]) == 19
    for expected_mod in ("1", "2"):
        edit = fm.call("PATCH", fm.db(f"{INBOX}/1"), json={"fieldData": {"Route": "orders"}})
        assert edit.status_code == 200 and edit.json()["response"] == {"modId": expected_mod}
    unchanged = fm.call("PATCH", fm.db(f"{INBOX}/1"), json={"fieldData": {}})
    assert unchanged.json()["response"] == {"modId": "2"}
    deleted = fm.call("DELETE", fm.db(f"{INBOX}/1"))
    assert deleted.status_code == 200 and deleted.json()["response"] == {}
    assert fm_status(fm.call("GET", fm.db(f"{INBOX}/1"))) == (500, "101")
    assert fm_status(fm.call("PATCH", fm.db(f"{INBOX}/1"), json={"fieldData": {}})) == (500, "101")
    assert fm_status(fm.call("DELETE", fm.db(f"{INBOX}/1"))) == (500, "101")


def test_record_ids_are_not_reused(fm) -> None:
    fm.create(EventId="a")
    fm.call("DELETE", fm.db(f"{INBOX}/1"))
    assert fm.create(EventId="b")["recordId"] == "2"


def test_edit_with_mod_id(fm) -> None:
    fm.create(EventId="a")
    assert fm_status(fm.call("PATCH", fm.db(f"{INBOX}/1"),
                             json={"fieldData": {"Source": "x"}, "modId": "5"})) == (500, "306")
    ok = fm.call("PATCH", fm.db(f"{INBOX}/1"), json={"fieldData": {"Source": "x"}, "modId": "0"})
    assert ok.json()["response"] == {"modId": "1"}


def test_duplicate(fm) -> None:
    fm.create("Orders", OrderId="o1", Amount=12.5, Currency="EUR")
    dup = fm.call("POST", fm.db(f"{ORDERS}/1"), json={})
    assert dup.status_code == 200 and dup.json()["response"] == {"recordId": "2", "modId": "0"}
    data = fm.call("GET", fm.db(f"{ORDERS}/2")).json()["response"]["data"][0]["fieldData"]
    assert data["OrderId"] == "o1" and data["Amount"] == 12.5
    fm.create("Orders", EventId="e1")
    assert fm_status(fm.call("POST", fm.db(f"{ORDERS}/3"), json={})) == (500, "504")
    assert fm_status(fm.call("POST", fm.db(f"{ORDERS}/99"), json={})) == (500, "101")


def test_numbers_are_json_numbers_and_ids_strings(fm) -> None:
    fm.create("Orders", Amount="42", Currency="USD")
    record = fm.call("GET", fm.db(f"{ORDERS}/1")).json()["response"]["data"][0]
    assert record["fieldData"]["Amount"] == 42
    assert isinstance(record["recordId"], str) and isinstance(record["modId"], str)


def test_range_offset_limit_sort(fm) -> None:
    for i, customer in enumerate(["carol", "alice", "bob", "dave", "erin"], 1):
        fm.create("Orders", OrderId=f"o{i}", Customer=customer, Amount=i * 10)
    resp = fm.call("GET", fm.db(ORDERS), params={"_offset": 2, "_limit": 2})
    body = resp.json()["response"]
    assert [r["recordId"] for r in body["data"]] == ["2", "3"]
    assert body["dataInfo"]["foundCount"] == 5 and body["dataInfo"]["returnedCount"] == 2
    sort = json.dumps([{"fieldName": "Customer", "sortOrder": "ascend"}])
    names = [r["fieldData"]["Customer"] for r in
             fm.call("GET", fm.db(ORDERS), params={"_sort": sort}).json()["response"]["data"]]
    assert names == ["alice", "bob", "carol", "dave", "erin"]
    sort = json.dumps([{"fieldName": "Amount", "sortOrder": "descend"}])
    amounts = [r["fieldData"]["Amount"] for r in
               fm.call("GET", fm.db(ORDERS), params={"_sort": sort, "_limit": "3"}
                       ).json()["response"]["data"]]
    assert amounts == [50, 40, 30]
    bad = json.dumps([{"fieldName": "Nope"}])
    assert fm_status(fm.call("GET", fm.db(ORDERS), params={"_sort": bad})) == (500, "102")
    assert fm_status(fm.call("GET", fm.db(ORDERS), params={"_limit": "x"})) == (500, "960")


def test_default_limit_is_100_and_empty_table_is_401(fm) -> None:
    assert fm_status(fm.call("GET", fm.db(ORDERS))) == (500, "401")
    for i in range(105):
        fm.create("Orders", OrderId=str(i))
    body = fm.call("GET", fm.db(ORDERS)).json()["response"]
    assert body["dataInfo"]["returnedCount"] == 100 and body["dataInfo"]["foundCount"] == 105


def test_dateformats(fm) -> None:
    fm.call("POST", fm.db(ORDERS),
            json={"fieldData": {"PaidAt": "2024-03-04 05:06:07"}, "dateformats": 2})
    us = fm.call("GET", fm.db(f"{ORDERS}/1")).json()["response"]["data"][0]["fieldData"]
    iso = fm.call("GET", fm.db(f"{ORDERS}/1"), params={"dateformats": 2}
                  ).json()["response"]["data"][0]["fieldData"]
    assert us["PaidAt"] == "03/04/2024 05:06:07" and iso["PaidAt"] == "2024-03-04 05:06:07"
    bad = fm.call("POST", fm.db(ORDERS), json={"fieldData": {"PaidAt": "2024-03-04 05:06:07"}})
    assert fm_status(bad) == (500, "500")


def test_layout_response(fm) -> None:
    fm.create(EventId="e1", Source="s", Payload="big")
    data = fm.call("GET", fm.db(f"{INBOX}/1"), params={"layout.response": "InboxSummary"}
                   ).json()["response"]
    assert set(data["data"][0]["fieldData"]) == {"EventId", "Source", "EventType"}
    assert data["dataInfo"]["layout"] == "InboxSummary"


@pytest.mark.parametrize("layout, fields, code", [
    ("Inbox", {"Source": "no event id"}, "509"),
    ("Inbox", {"EventId": ""}, "509"),
    ("Orders", {"Amount": "twelve"}, "502"),
    ("Orders", {"Currency": "EURO"}, "511"),
    ("Orders", {"CreatedAt": "01/01/2024 00:00:00"}, "201"),
    ("Orders", {"Nope": "x"}, "102"),
    ("Orders", {"PaidAt": "yesterday"}, "500"),
    ("Orders", {"Customer": None}, "960"),
])
def test_field_rules_on_create(fm, layout: str, fields: dict, code: str) -> None:
    resp = fm.call("POST", fm.db(f"/layouts/{layout}/records"), json={"fieldData": fields})
    assert fm_status(resp) == (500, code)
    assert fm_status(fm.call("GET", fm.db(f"/layouts/{layout}/records")))[1] == "401"


def test_unique_on_create_and_edit(fm) -> None:
    fm.create(EventId="evt_1")
    fm.create(EventId="evt_2")
    dup = fm.call("POST", fm.db(INBOX), json={"fieldData": {"EventId": "EVT_1"}})
    assert fm_status(dup) == (500, "504")
    edit = fm.call("PATCH", fm.db(f"{INBOX}/2"), json={"fieldData": {"EventId": "evt_1"}})
    assert fm_status(edit) == (500, "504")
    same = fm.call("PATCH", fm.db(f"{INBOX}/1"), json={"fieldData": {"EventId": "evt_1"}})
    assert same.status_code == 200
    cleared = fm.call("PATCH", fm.db(f"{INBOX}/1"), json={"fieldData": {"EventId": ""}})
    assert fm_status(cleared) == (500, "509")
    assert fm_status(fm.call("PATCH", fm.db(f"{INBOX}/1"),
                             json={"fieldData": {"CreatedAt": "1/1/2024 1:1:1"}})) == (500, "201")


def test_status_table(fm) -> None:
    assert fm_status(fm.call("GET", fm.db("/layouts/Nope/records"))) == (500, "105")
    assert fm_status(fm.call("POST", fm.db("/layouts/Nope/records"),
                             json={"fieldData": {}})) == (500, "105")
    assert fm.call("GET", "/no/such/path").status_code == 404
    assert fm.call("GET", "/no/such/path").json()["response"] == {}
    bad_version = fm.http.get(fm.base.replace("/vLatest", "/v9") + "/productInfo")
    assert bad_version.status_code == 404 and bad_version.json()["response"] == {}
    wrong_method = fm.call("PUT", fm.db(INBOX), json={})
    assert wrong_method.status_code == 405 and wrong_method.json()["response"] == {}
    wrong_type = fm.call("POST", fm.db(INBOX), data="fieldData=x",
                         headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert wrong_type.status_code == 415 and wrong_type.json()["response"] == {}
    bad_json = fm.call("POST", fm.db(INBOX), data="{nope",
                       headers={"Content-Type": "application/json"})
    assert bad_json.status_code == 400 and bad_json.json()["response"] == {}
    assert fm_status(fm.call("POST", fm.db(INBOX), json={})) == (500, "10")
    assert fm_status(fm.call("GET", fm.db(f"{INBOX}/abc"))) == (500, "101")


def test_create_empty_record_with_empty_field_data(fm) -> None:
    resp = fm.call("POST", fm.db(ORDERS), json={"fieldData": {}})
    assert resp.status_code == 200 and resp.json()["response"]["recordId"] == "1"
