"""FileMaker find operators and omit, as pure functions."""

from __future__ import annotations

import pytest

from emulator.errors import FMError
from emulator.find import make_matcher, run_find, wildcard_regex
from emulator.schema import Field

TEXT = Field("Name", "text")
NUM = Field("Amount", "number")
DATE = Field("Day", "date")
TS = Field("At", "timestamp")
FIELDS = {"Name": TEXT, "Amount": NUM, "Day": DATE, "At": TS}
ROWS = [
    (1, {"Name": "Alice Smith", "Amount": 10, "Day": "2024-01-02", "At": "2024-01-02 10:00:00"}),
    (2, {"Name": "Bob Smithers", "Amount": 25.5, "Day": "2024-02-03", "At": "2024-02-03 08:30:00"}),
    (3, {"Name": "alice", "Amount": "", "Day": "", "At": ""}),
    (4, {"Name": "", "Amount": 10, "Day": "2024-12-31", "At": "2024-12-31 23:59:59"}),
    (5, {"Name": "evt-123", "Amount": 100, "Day": "2023-06-01", "At": "2023-06-01 00:00:00"}),
]


def ids(*query: dict) -> list[int]:
    return run_find(ROWS, list(query), FIELDS)


@pytest.mark.parametrize("criterion, expected", [
    ("alice", [1, 3]),                 # word start, case-insensitive
    ("smith", [1, 2]),                 # matches the start of "Smithers" too
    ("==alice", [3]),                  # whole field
    ("==Alice Smith", [1]),
    ("=smith", [1]),                   # exact word
    ("=", [4]),                        # empty
    ("==", [4]),
    ("*", [1, 2, 3, 5]),               # any value
    ("Sm*s", [2]),
    ("==al@ce", [3]),                  # one character
    ("==evt-###", [5]),                # one digit each
    ("==evt-##", []),
    ('"ice Sm"', [1]),                 # literal phrase
    ("evt-123", [5]),
    ("<b", [1, 3]),
    (">=bob", [2, 5]),
    ("a...b", [1, 3]),
])
def test_text_operators(criterion: str, expected: list[int]) -> None:
    assert ids({"Name": criterion}) == expected


@pytest.mark.parametrize("criterion, expected", [
    ("10", [1, 4]), ("==10", [1, 4]), ("<20", [1, 4]), (">20", [2, 5]), ("<=25.5", [1, 2, 4]),
    (">=100", [5]), ("10...30", [1, 2, 4]), ("=", [3]), ("*", [1, 2, 4, 5]), ("!", [1, 4]),
])
def test_number_operators(criterion: str, expected: list[int]) -> None:
    assert ids({"Amount": criterion}) == expected


@pytest.mark.parametrize("criterion, expected", [
    ("1/2/2024", [1]), ("01/02/2024", [1]), ("<1/1/2024", [5]), (">=2/3/2024", [2, 4]),
    ("1/1/2024...6/30/2024", [1, 2]),
])
def test_date_operators(criterion: str, expected: list[int]) -> None:
    assert ids({"Day": criterion}) == expected


def test_date_iso_with_dateformats_2() -> None:
    assert run_find(ROWS, [{"Day": "2024-01-02"}], FIELDS, dateformats=2) == [1]


def test_timestamp_by_day_and_range() -> None:
    assert ids({"At": "2/3/2024"}) == [2]
    assert ids({"At": "1/1/2024...2/3/2024"}) == [1, 2]
    assert ids({"At": ">12/31/2024 12:00:00"}) == [4]


def test_duplicates_operator_on_text() -> None:
    rows = [(1, {"Name": "a"}), (2, {"Name": "A"}), (3, {"Name": "b"})]
    assert run_find(rows, [{"Name": "!"}], {"Name": TEXT}) == [1, 2]


def test_several_fields_in_one_request_are_and() -> None:
    assert ids({"Name": "alice", "Amount": "10"}) == [1]


def test_several_requests_are_or_and_omit_removes() -> None:
    assert ids({"Name": "alice"}, {"Name": "bob"}) == [1, 2, 3]
    assert ids({"Name": "alice"}, {"Name": "==alice", "omit": "true"}) == [1]


def test_first_request_omit_starts_from_all_records() -> None:
    assert ids({"Name": "*", "omit": "true"}) == [4]


def test_omit_false_string_is_a_find() -> None:
    assert ids({"Name": "bob", "omit": "false"}) == [2]


def test_unknown_field_is_102() -> None:
    with pytest.raises(FMError) as exc:
        ids({"Nope": "x"})
    assert exc.value.code == "102"


def test_all_empty_criteria_is_400() -> None:
    with pytest.raises(FMError) as exc:
        ids({"Name": ""})
    assert exc.value.code == "400"


def test_bad_comparison_value_is_508() -> None:
    with pytest.raises(FMError) as exc:
        ids({"Amount": "<abc"})
    assert exc.value.code == "508"


def test_malformed_query_is_960() -> None:
    for query in ([], "x", [1]):
        with pytest.raises(FMError) as exc:
            run_find(ROWS, query, FIELDS)  # type: ignore[arg-type]
        assert exc.value.code == "960"


def test_wildcard_regex_escapes_the_rest() -> None:
    assert wildcard_regex("a.b*@#") == r"a\.b.*.\d"


def test_matcher_returns_none_for_duplicates() -> None:
    assert make_matcher(TEXT, "!") is None
