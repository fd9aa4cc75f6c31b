"""Find, scripts, globals, containers and metadata over real HTTP."""

from __future__ import annotations

import json

import requests

from emulator.testing import fm_status

FIND = "/layouts/Orders/_find"


def seed(fm) -> None:
    for i, (customer, amount, status) in enumerate(
            [("Alice Smith", 10, "paid"), ("Bob", 25, "open"), ("alice", 40, "paid"),
             ("Carol", 55, "refunded")], 1):
        fm.create("Orders", EventId=f"evt-{i}", Customer=customer, Amount=amount, Status=status,
                  PaidAt=f"01/0{i}/2024 10:00:00")


def found(fm, body: dict) -> list[str]:
    resp = fm.call("POST", fm.db(FIND), json=body)
    assert resp.status_code == 200, resp.text
    return [r["recordId"] for r in resp.json()["response"]["data"]]


def test_find_operators_and_omit(fm) -> None:
    seed(fm)
    assert found(fm, {"query": [{"Customer": "alice"}]}) == ["1", "3"]
    assert found(fm, {"query": [{"Customer": "==alice"}]}) == ["3"]
    assert found(fm, {"query": [{"EventId": "==evt-2"}]}) == ["2"]
    assert found(fm, {"query": [{"Amount": ">20"}]}) == ["2", "3", "4"]
    assert found(fm, {"query": [{"Amount": "20...50"}]}) == ["2", "3"]
    assert found(fm, {"query": [{"Amount": "<=25"}]}) == ["1", "2"]
    assert found(fm, {"query": [{"Status": "paid"}, {"Status": "open"}]}) == ["1", "2", "3"]
    assert found(fm, {"query": [{"Amount": "*"}, {"Status": "paid", "omit": "true"}]}) == ["2", "4"]
    assert found(fm, {"query": [{"Customer": "C*"}]}) == ["4"]
    assert found(fm, {"query": [{"Status": "!"}]}) == ["1", "3"]
    assert found(fm, {"query": [{"PaidAt": "1/2/2024"}]}) == ["2"]
    assert found(fm, {"query": [{"Customer": "B@b"}]}) == ["2"]
    assert found(fm, {"query": [{"EventId": "==evt-#"}], "limit": "2", "offset": "2"}) == ["2", "3"]


def test_find_response_shape_sort_and_strings(fm) -> None:
    seed(fm)
    resp = fm.call("POST", fm.db(FIND), json={
        "query": [{"Status": "paid"}], "sort": [{"fieldName": "Amount", "sortOrder": "descend"}],
        "limit": "10", "offset": "1", "dateformats": 2})
    body = resp.json()["response"]
    assert [r["recordId"] for r in body["data"]] == ["3", "1"]
    assert body["dataInfo"]["foundCount"] == 2 and body["dataInfo"]["totalRecordCount"] == 4
    assert body["data"][0]["portalData"] == {}
    assert body["data"][0]["fieldData"]["PaidAt"] == "2024-01-03 10:00:00"


def test_find_no_match_is_http_500_code_401(fm) -> None:
    seed(fm)
    resp = fm.call("POST", fm.db(FIND), json={"query": [{"Customer": "==nobody"}]})
    assert fm_status(resp) == (500, "401")
    assert resp.json() == {"messages": [{"code": "401", "message": "No records match the request"}],
                           "response": {}}
    assert fm_status(fm.call("POST", fm.db(FIND), json={"query": [{"Nope": "x"}]})) == (500, "102")
    assert fm_status(fm.call("POST", fm.db(FIND), json={"query": [{"Customer": ""}]})) == (500, "400")
    assert fm_status(fm.call("POST", fm.db(FIND), json={})) == (500, "960")


def test_script_order_and_results_on_create(fm) -> None:
    resp = fm.call("POST", fm.db("/layouts/Orders/records"), json={
        "fieldData": {"OrderId": "o1"}, "script.prerequest": "Trace", "script.prerequest.param": "a",
        "script.presort": "Trace", "script.presort.param": "b", "script": "Trace",
        "script.param": "c"})
    body = resp.json()["response"]
    numbers = [int(body[k].split(":")[0]) for k in
               ("scriptResult.prerequest", "scriptResult.presort", "scriptResult")]
    assert numbers == sorted(numbers) and len(set(numbers)) == 3
    assert body["scriptResult.prerequest"].split(":")[1:] == ["prerequest", "0", "", "a"]
    assert body["scriptResult.presort"].split(":")[1:] == ["presort", "1", "1", "b"]
    assert body["scriptResult"].split(":")[1:] == ["after", "1", "1", "c"]
    assert all(body[k] == "0" for k in ("scriptError.prerequest", "scriptError.presort",
                                        "scriptError"))
    assert body["recordId"] == "1"


def test_script_sees_found_set_on_find_and_get(fm) -> None:
    seed(fm)
    body = fm.call("POST", fm.db(FIND), json={"query": [{"Status": "paid"}], "script": "Trace",
                                             "script.presort": "Trace"}).json()["response"]
    assert body["scriptResult.presort"].split(":")[2] == "2"
    assert body["scriptResult"].split(":")[1:4] == ["after", "2", "1"]
    got = fm.call("GET", fm.db("/layouts/Orders/records"),
                  params={"script": "Echo", "script.param": "p", "_limit": 1}).json()["response"]
    assert got["scriptResult"] == "p" and got["scriptError"] == "0"


def test_presort_sees_the_found_order_and_the_script_the_sorted_one(fm) -> None:
    seed(fm)                    # paid: records 1 (Amount 10) and 3 (Amount 40)
    body = fm.call("POST", fm.db(FIND), json={
        "query": [{"Status": "paid"}], "sort": [{"fieldName": "Amount", "sortOrder": "descend"}],
        "script.presort": "Trace", "script": "Trace"}).json()["response"]
    assert [r["recordId"] for r in body["data"]] == ["3", "1"]
    assert body["scriptResult.presort"].split(":")[1:4] == ["presort", "2", "1"]
    assert body["scriptResult"].split(":")[1:4] == ["after", "2", "3"]


def test_script_error_never_changes_messages(fm) -> None:
    resp = fm.call("POST", fm.db("/layouts/Orders/records"),
                   json={"fieldData": {}, "script": "Fail", "script.param": "1200"})
    body = resp.json()
    assert resp.status_code == 200 and body["messages"][0]["code"] == "0"
    assert body["response"]["scriptError"] == "1200" and "scriptResult" not in body["response"]
    run = fm.call("GET", fm.db("/layouts/Orders/script/Fail"))
    assert run.status_code == 200 and run.json()["response"] == {"scriptError": "3"}


def test_missing_script_is_104(fm) -> None:
    resp = fm.call("POST", fm.db("/layouts/Orders/records"),
                   json={"fieldData": {}, "script": "Nope"})
    assert fm_status(resp) == (500, "104")
    assert fm_status(fm.call("GET", fm.db("/layouts/Orders/script/Nope"))) == (500, "104")
    assert fm_status(fm.call("GET", fm.db("/layouts/Orders/records"))) == (500, "401")


def test_dedicated_script_endpoint_and_import_json(fm, emu) -> None:
    echo = fm.call("GET", fm.db("/layouts/Inbox/script/Echo"), params={"script.param": "hello"})
    assert echo.json()["response"] == {"scriptResult": "hello", "scriptError": "0"}
    payload = json.dumps({"EventId": "evt_9", "Source": "github", "EventType": "push"})
    made = fm.call("GET", fm.db("/layouts/Inbox/script/Create From JSON"),
                   params={"script.param": payload}).json()["response"]
    assert made == {"scriptResult": "1", "scriptError": "0"}
    fm.create(EventId="evt_10")
    resp = fm.call("PATCH", fm.db("/layouts/Inbox/records/2"), json={
        "fieldData": {}, "script": "Import JSON",
        "script.param": json.dumps({"Source": "shopify", "Route": "orders"})})
    assert resp.json()["response"]["scriptError"] == "0"
    records = {r["recordId"]: r["fieldData"] for r in emu.records("Hookmaker", "Inbox")}
    assert records["1"]["EventType"] == "push"
    assert records["2"]["Source"] == "shopify" and records["2"]["Route"] == "orders"
    dup = fm.call("GET", fm.db("/layouts/Inbox/script/Create From JSON"),
                  params={"script.param": payload}).json()
    assert dup["messages"][0]["code"] == "0" and dup["response"]["scriptError"] == "504"
    bad = fm.call("GET", fm.db("/layouts/Inbox/script/Import JSON"),
                  params={"script.param": "not json"}).json()["response"]
    assert bad["scriptError"] == "5"


def test_globals(fm) -> None:
    fm.create(EventId="e1")
    resp = fm.call("PATCH", fm.db("/globals"), json={"globalFields": {"Inbox::gLastSource": "stripe"}})
    assert resp.status_code == 200 and resp.json()["response"] == {}
    data = fm.call("GET", fm.db("/layouts/Inbox/records/1")).json()["response"]["data"][0]
    assert data["fieldData"]["gLastSource"] == "stripe"
    assert fm_status(fm.call("PATCH", fm.db("/globals"),
                             json={"globalFields": {"Inbox::Source": "x"}})) == (500, "102")
    assert fm_status(fm.call("PATCH", fm.db("/globals"), json={})) == (500, "960")


def test_container_upload(fm) -> None:
    fm.create(EventId="e1")
    path = fm.db("/layouts/Inbox/records/1/containers/Attachment/1")
    resp = fm.call("POST", path, files={"upload": ("note.txt", b"hello", "text/plain")})
    assert resp.status_code == 200 and resp.json()["response"] == {"modId": "1"}
    url = fm.call("GET", fm.db("/layouts/Inbox/records/1")).json()["response"]["data"][0][
        "fieldData"]["Attachment"]
    assert "/Streaming_SSL/MainDB/" in url and url.endswith("RCType=EmbeddedRCFileProcessor")
    assert requests.get(url, timeout=5).content == b"hello"
    assert fm_status(fm.call("POST", path, files={"other": ("a", b"x")})) == (500, "960")
    assert fm_status(fm.call("POST", fm.db("/layouts/Inbox/records/1/containers/Source/1"),
                             files={"upload": ("a", b"x")})) == (500, "960")
    assert fm.call("POST", path, json={}).status_code == 415


def test_metadata(fm, emu) -> None:
    info = requests.get(emu.data_url() + "/productInfo").json()["response"]["productInfo"]
    assert info["dateFormat"] == "MM/dd/yyyy" and info["name"] == "FileMaker Data API Engine"
    dbs = requests.get(emu.data_url() + "/databases").json()["response"]
    assert dbs == {"databases": [{"name": "Hookmaker"}]}
    layouts = fm.call("GET", fm.db("/layouts")).json()["response"]["layouts"]
    assert {"name": "Inbox", "table": "Inbox"} in layouts
    scripts = fm.call("GET", fm.db("/scripts")).json()["response"]["scripts"]
    assert {"name": "Import JSON", "isFolder": False} in scripts
    meta = fm.call("GET", fm.db("/layouts/Orders")).json()["response"]
    by_name = {f["name"]: f for f in meta["fieldMetaData"]}
    assert by_name["Amount"]["result"] == "number" and by_name["PaidAt"]["result"] == "timeStamp"
    assert by_name["Currency"]["maxCharacters"] == 3 and meta["portalMetaData"] == {}
    assert fm_status(fm.call("GET", fm.db("/layouts/Nope"))) == (500, "105")
