"""Value parsing/formatting (dates MM/DD/YYYY unless dateformats) and field rules."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from emulator.errors import FMError
from emulator.rules import check_not_empty, check_unique, field_name, prepare_write
from emulator.schema import Field, Layout, Table
from emulator.values import (
    fold, normalize_dateformats, parse_number, parse_time, to_output, to_storage,
)

TABLE = Table("T", {
    "Id": Field("Id", "text", unique=True, not_empty=True),
    "Amount": Field("Amount", "number", numeric_only=True),
    "Loose": Field("Loose", "number"),
    "Cur": Field("Cur", "text", max_chars=3),
    "Day": Field("Day", "date"),
    "At": Field("At", "timestamp"),
    "Clock": Field("Clock", "time"),
    "Created": Field("Created", "timestamp", auto_enter="creation_timestamp", modifiable=False),
})
LAYOUT = Layout("L", "T", tuple(TABLE.fields))


def code_of(fn, *args, **kwargs) -> str:
    with pytest.raises(FMError) as exc:
        fn(*args, **kwargs)
    return exc.value.code


def test_dates_us_by_default_iso_with_2() -> None:
    day = TABLE.fields["Day"]
    stored = to_storage(day, "1/2/2024")
    assert stored == "2024-01-02"
    assert to_output(day, stored) == "01/02/2024"
    assert to_output(day, stored, 1) == "01/02/2024"
    assert to_output(day, stored, 2) == "2024-01-02"
    assert to_storage(day, "2029/1/20", 2) == "2029-01-20"
    assert code_of(to_storage, day, "2024-01-02") == "500"
    assert code_of(to_storage, day, "13/45/2024") == "500"


def test_timestamps_and_times() -> None:
    at = TABLE.fields["At"]
    assert to_storage(at, "01/02/2024 3:04:05 PM") == "2024-01-02 15:04:05"
    assert to_storage(at, "2024-01-02T03:04:05.123", 2) == "2024-01-02 03:04:05"
    assert to_output(at, "2024-01-02 15:04:05") == "01/02/2024 15:04:05"
    assert to_output(at, "2024-01-02 15:04:05", 2) == "2024-01-02 15:04:05"
    assert code_of(to_storage, at, "2024-01-02T03:04:05Z", 2) == "500"
    assert parse_time("12:00 AM").hour == 0
    assert code_of(to_storage, TABLE.fields["Clock"], "25:61") == "501"


@given(st.dates())
def test_date_round_trip(day) -> None:
    field = TABLE.fields["Day"]
    for fmt in (0, 2):
        shown = to_output(field, day.isoformat(), fmt)
        assert to_storage(field, shown, fmt) == day.isoformat()


def test_numbers() -> None:
    amount = TABLE.fields["Amount"]
    assert to_storage(amount, "12.50") == 12.5
    assert to_storage(amount, 7) == 7 and to_storage(amount, 7.0) == 7
    assert code_of(to_storage, amount, "abc") == "502"
    assert to_storage(TABLE.fields["Loose"], "abc") == "abc"
    assert parse_number(True) is None


def test_text_line_breaks_become_cr_and_max_chars() -> None:
    assert to_storage(Field("X"), "a\r\nb\nc") == "a\rb\rc"
    assert to_storage(TABLE.fields["Cur"], "EUR") == "EUR"
    assert code_of(to_storage, TABLE.fields["Cur"], "EURO") == "511"


@pytest.mark.parametrize("value", [None, True, {"a": 1}, [1]])
def test_non_scalar_values_are_960(value) -> None:
    assert code_of(to_storage, Field("X"), value) == "960"


def test_dateformats_values() -> None:
    assert normalize_dateformats(None) == 0 and normalize_dateformats("2") == 2
    assert code_of(normalize_dateformats, 3) == "960"


def test_prepare_write_rules() -> None:
    assert prepare_write(LAYOUT, TABLE, {"Id": "x", "Day(1)": "1/1/2024", "T::Cur": "USD"}) == \
        {"Id": "x", "Day": "2024-01-01", "Cur": "USD"}
    assert code_of(prepare_write, LAYOUT, TABLE, {"Nope": 1}) == "102"
    assert code_of(prepare_write, LAYOUT, TABLE, {"Created": "1/1/2024 1:00:00"}) == "201"
    assert code_of(prepare_write, LAYOUT, TABLE, {"Day(2)": "1/1/2024"}) == "111"
    assert code_of(prepare_write, LAYOUT, TABLE, ["x"]) == "960"
    narrow = Layout("N", "T", ("Id",))
    assert code_of(prepare_write, narrow, TABLE, {"Cur": "USD"}) == "102"
    assert field_name("A(1)") == "A"


def test_not_empty_and_unique() -> None:
    assert code_of(check_not_empty, TABLE, {"Id": ""}) == "509"
    check_not_empty(TABLE, {"Id": ""}, names=["Cur"])
    def holders(*stored: str):
        return lambda name, value: [i for i, v in enumerate(stored, 1) if fold(v) == fold(value)]
    assert code_of(check_unique, TABLE, {"Id": "ABC"}, holders("abc")) == "504"
    check_unique(TABLE, {"Id": "abc"}, holders("abd"))
    check_unique(TABLE, {"Id": ""}, holders(""))
    check_unique(TABLE, {"Id": "abc"}, holders("abc"), own_id=1)     # itself, on an edit
    assert code_of(check_unique, TABLE, {"Id": "abc"}, holders("x", "ABC"), own_id=1) == "504"
