"""Field mapping from JSON to FileMaker fieldData: pure."""

from __future__ import annotations

import pytest

from shared.errors import ConfigError, Permanent
from shared.filemaker.mapping import convert, map_fields, parse_field, resolve_pointer

PAYLOAD = {"id": "evt_1", "created": 1764763200,
           "data": {"object": {"amount": "49.00", "items": [{"sku": "a/b"}], "paid": True}},
           "a/b": {"~c": 1}}
META = {"event_id": "01ABC", "source": "stripe", "received_at": "12/03/2026 10:00:00"}


def test_pointer_meta_and_constants():
    specs = {"Id": parse_field("Id", "/id"), "Ev": parse_field("Ev", "@event_id"),
             "N": parse_field("N", 7), "C": parse_field("C", {"const": "paid"})}
    assert map_fields(specs, PAYLOAD, META) == {"Id": "evt_1", "Ev": "01ABC", "N": 7,
                                               "C": "paid"}


def test_rfc6901_escapes_and_list_indexes():
    assert resolve_pointer(PAYLOAD, "/a~1b/~0c") == 1
    assert resolve_pointer(PAYLOAD, "/data/object/items/0/sku") == "a/b"
    with pytest.raises(KeyError):
        resolve_pointer(PAYLOAD, "/data/object/items/5")


def test_missing_required_value_is_permanent_and_says_how_to_fix():
    with pytest.raises(Permanent, match="'Amount': /data/amount is not in the payload"):
        map_fields({"Amount": parse_field("Amount", "/data/amount")}, PAYLOAD, META)


def test_optional_value_is_left_out_or_defaulted():
    specs = {"A": parse_field("A", {"path": "/nope", "required": False}),
             "B": parse_field("B", {"path": "/nope", "default": "n/a"})}
    assert map_fields(specs, PAYLOAD, META) == {"B": "n/a"}


def test_numbers_stay_numbers_and_dates_are_filemaker_text():
    assert convert("x", "49.00", "number") == 49
    assert convert("x", "49.5", "number") == 49.5
    assert convert("x", 1764763200, "timestamp") == "12/03/2025 12:00:00"
    assert convert("x", 1764763200000, "date") == "12/03/2025"
    assert convert("x", "2025-12-03T12:00:00Z", "timestamp", iso_dates=True) \
        == "2025-12-03T12:00:00"
    assert convert("x", {"a": 1}, "auto") == '{"a":1}'
    assert convert("x", True, "auto") == "true"


def test_unconvertible_values_are_permanent():
    with pytest.raises(Permanent, match="not a number"):
        convert("Amount", "forty", "number")
    with pytest.raises(Permanent, match="not a date"):
        convert("PaidAt", "yesterday", "timestamp")


def test_bad_specs_fail_at_config_time():
    with pytest.raises(ConfigError, match="neither a JSON pointer"):
        parse_field("F", "data.id")
    with pytest.raises(ConfigError, match="unknown metadata"):
        parse_field("F", "@nope")
    with pytest.raises(ConfigError, match="type"):
        parse_field("F", {"path": "/a", "type": "blob"})
