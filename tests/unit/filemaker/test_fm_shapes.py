"""Request bodies and response readers."""

from __future__ import annotations

from urllib.parse import parse_qs

import pytest

from shared.errors import Permanent, Transient
from shared.filemaker import shapes
from shared.filemaker.shapes import Script


def test_record_body_plain() -> None:
    assert shapes.record_body({"A": 1, "B": "x"}) == {"fieldData": {"A": 1, "B": "x"}}


def test_record_body_drops_nulls_and_keeps_numbers() -> None:
    assert shapes.record_body({"A": None, "B": 2.5, "C": 0}) == {"fieldData": {"B": 2.5, "C": 0}}


def test_record_body_with_script_and_dateformats_and_mod_id() -> None:
    body = shapes.record_body({"A": 1}, script=Script("Run", '{"a":1}'), dateformats=2,
                              mod_id="3")
    assert body == {"fieldData": {"A": 1}, "script": "Run", "script.param": '{"a":1}',
                    "dateformats": 2, "modId": "3"}


def test_script_without_param_sends_no_param_key() -> None:
    assert shapes.record_body({}, script=Script("Run")) == {"fieldData": {}, "script": "Run"}


def test_prerequest_stage() -> None:
    body = shapes.record_body({}, script=Script("Pre", "p", stage="script.prerequest"))
    assert body["script.prerequest"] == "Pre" and body["script.prerequest.param"] == "p"


def test_find_body_strings_like_filemaker() -> None:
    body = shapes.find_body([{"EventId": "==abc", "Amount": 3, "Flag": True}], limit=2)
    assert body == {"query": [{"EventId": "==abc", "Amount": "3", "Flag": "1"}], "limit": "2"}


@pytest.mark.parametrize("value,expected", [
    ("01HXYZ", "==01HXYZ"),
    (42, "==42"),
    ("a*b", '=="a*b"'),
    ("x@y.com", '=="x@y.com"'),
    ('say "hi"', '=="say \\"hi\\""'),
    ("", '==""'),
    (" padded", '==" padded"'),
    ("1...5", '=="1...5"'),
])
def test_exact_match_criteria(value: object, expected: str) -> None:
    assert shapes.exact(value) == expected


def test_script_query_encodes_the_parameter() -> None:
    query = shapes.script_query('{"a": "b&c"}')
    assert parse_qs(query) == {"script.param": ['{"a": "b&c"}']}
    assert shapes.script_query(None) == ""


def test_script_result_when_ok() -> None:
    assert shapes.check_scripts({"scriptError": "0", "scriptResult": "done"}) == "done"
    assert shapes.check_scripts({"scriptError": "0"}) is None
    assert shapes.check_scripts({}) is None


@pytest.mark.parametrize("stage", ["", ".prerequest", ".presort"])
def test_script_error_at_any_stage_raises(stage: str) -> None:
    with pytest.raises(Permanent) as info:
        shapes.check_scripts({f"scriptError{stage}": "3", "scriptResult": "x"}, "Post")
    assert info.value.code == "3"


def test_script_error_is_classified_by_its_code() -> None:
    with pytest.raises(Transient) as info:
        shapes.check_scripts({"scriptError": "301", "scriptResult": "busy"}, "Post")
    assert info.value.code == "301" and info.value.script == "Post"
    assert info.value.script_result == "busy"


def test_numeric_script_error_zero_is_fine() -> None:
    assert shapes.check_scripts({"scriptError": 0, "scriptResult": 5}) == "5"


def test_written_reads_ids_as_strings_and_checks_scripts() -> None:
    w = shapes.written({"recordId": 7, "modId": "0", "scriptError": "0", "scriptResult": "r"})
    assert w == shapes.Written("7", "0", "r")
    with pytest.raises(Permanent):
        shapes.written({"recordId": "7", "modId": "0", "scriptError": "104"}, Script("Gone"))


def test_records() -> None:
    response = {"dataInfo": {"foundCount": 1}, "data": [
        {"fieldData": {"A": 1}, "portalData": {}, "recordId": "3", "modId": "2"}]}
    assert shapes.records(response) == [shapes.Record("3", "2", {"A": 1}, {})]
    assert shapes.records({}) == []


def test_names_flatten_folders() -> None:
    layouts = [{"name": "Inbox", "table": ""},
               {"name": "Web", "isFolder": True,
                "folderLayoutNames": [{"name": "Orders"},
                                      {"name": "Deep", "isFolder": True,
                                       "folderLayoutNames": [{"name": "Hidden"}]}]}]
    assert shapes.names(layouts, "folderLayoutNames") == ["Inbox", "Orders", "Hidden"]


def test_field_names() -> None:
    meta = {"fieldMetaData": [{"name": "EventId"}, {"name": "Amount"}],
            "portalMetaData": {"P": [{"name": "P::x"}]}}
    assert shapes.field_names(meta) == ["EventId", "Amount"]
