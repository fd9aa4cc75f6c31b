"""The classification table: one test per row, plus the codes the issue names explicitly."""

from __future__ import annotations

import pytest

from shared.errors import Halt, Outcome, Permanent, Transient, Unavailable
from shared.filemaker import codes

# The codes listed in section 2 of the research notes (DATA_API.md), 0 (success) left out.
SECTION_2_CODES = {
    "-1", "1", "3", "4", "5", "8", "9", "10", "16", "100", "101", "102", "103", "104", "105",
    "106", "111", "200", "201", "202", "211", "212", "214", "300", "301", "302", "303", "304",
    "306", "307", "400", "401", "500", "501", "502", "503", "504", "505", "506", "507", "508",
    "509", "510", "511", "512", "513", "802", "803", "812", "813", "820", "821", "951", "952",
    "953", "954", "955", "956", "957", "958", "959", "960", *(str(c) for c in range(1200, 1226)),
    "1630", "1631", "1638", "1700", "1701", "1702", "1703", "1708", "1709", "1710", "1711",
}


@pytest.mark.parametrize("code", sorted(codes.CODES, key=int))
def test_every_row_builds_its_outcome(code: str) -> None:
    rule = codes.CODES[code]
    exc = codes.error_for(code, "from FileMaker", 500)
    assert isinstance(exc, rule.outcome)
    assert isinstance(exc, codes.FileMakerFault)
    assert exc.code == code
    assert exc.http_status == 500
    assert exc.advice == rule.advice
    assert "from FileMaker" in str(exc) and code in str(exc)
    if rule.outcome in (Transient, Unavailable):
        assert exc.delay_s == rule.delay_s and rule.delay_s > 0
    assert rule.advice


@pytest.mark.parametrize("code,outcome", [
    ("212", Halt), ("953", Halt), ("959", Halt), ("211", Halt), ("214", Halt),
    ("1703", Halt), ("1711", Halt),
    ("301", Transient), ("300", Transient), ("306", Transient), ("16", Transient),
    ("510", Transient), ("512", Transient), ("-1", Transient), ("951", Transient),
    ("802", Unavailable), ("812", Unavailable), ("956", Unavailable), ("820", Unavailable),
    ("803", Unavailable), ("1701", Unavailable), ("952", Unavailable),
    ("102", Permanent), ("105", Permanent), ("104", Permanent), ("504", Permanent),
    ("401", Permanent), ("101", Permanent), ("3", Permanent), ("10", Permanent),
    ("201", Permanent), ("509", Permanent), ("511", Permanent), ("960", Permanent),
    ("1200", Permanent), ("1225", Permanent), ("1710", Permanent),
])
def test_named_codes(code: str, outcome: type[Outcome]) -> None:
    assert isinstance(codes.error_for(code, "x"), outcome)


def test_outcome_classes_do_not_overlap() -> None:
    exc = codes.error_for("212", "bad password", 401)
    assert not isinstance(exc, (Transient, Unavailable, Permanent))
    assert isinstance(exc, codes.FileMakerHalt)


def test_code_may_come_as_a_number_or_padded() -> None:
    assert codes.error_for(301, "locked").code == "301"
    assert isinstance(codes.error_for(" 812 ", "busy"), Unavailable)


def test_an_unknown_code_is_retried_then_dead_lettered() -> None:
    exc = codes.error_for("4242", "new in FileMaker 2030")
    assert isinstance(exc, Transient) and exc.code == "4242"
    assert exc.delay_s == codes.UNKNOWN_DELAY_S


def test_the_table_covers_every_code_in_the_research_notes() -> None:
    """Every code of DATA_API.md section 2 (copied into SECTION_2_CODES) has a row."""
    assert SECTION_2_CODES <= set(codes.CODES), sorted(SECTION_2_CODES - set(codes.CODES))


@pytest.mark.parametrize("label", sorted(codes.TRANSPORT))
def test_every_transport_row(label: str) -> None:
    rule = codes.TRANSPORT[label]
    exc = codes.classify_transport(label, "detail here", 502)
    assert isinstance(exc, rule.outcome) and exc.code == label
    assert "detail here" in str(exc)


@pytest.mark.parametrize("label,outcome", [
    ("refused", Unavailable), ("connect-timeout", Unavailable), ("read-timeout", Unavailable),
    ("connection-error", Unavailable), ("http-502", Unavailable), ("http-503", Unavailable),
    ("http-504", Unavailable), ("html", Unavailable), ("not-json", Unavailable),
    ("http-5xx", Unavailable), ("tls-error", Unavailable), ("http-429", Unavailable),
    ("http-400", Permanent), ("http-404", Permanent), ("http-405", Permanent),
    ("http-415", Permanent), ("bad-envelope", Transient),
])
def test_named_transport_conditions(label: str, outcome: type[Outcome]) -> None:
    assert isinstance(codes.classify_transport(label), outcome)


@pytest.mark.parametrize("status,label", [
    (200, None), (302, None), (400, "http-400"), (404, "http-404"), (405, "http-405"),
    (415, "http-415"), (418, "http-400"), (429, "http-429"), (500, "http-5xx"),
    (502, "http-502"), (503, "http-503"), (504, "http-504"), (599, "http-5xx"),
])
def test_condition_for_status(status: int, label: str | None) -> None:
    assert codes.condition_for_status(status) == label


def test_script_error_is_classified_by_its_code_and_names_the_script() -> None:
    exc = codes.script_error_for("Post order", "301", "locked by Anna")
    assert isinstance(exc, Transient) and exc.code == "301"
    assert exc.script == "Post order" and exc.script_result == "locked by Anna"
    assert "Post order" in str(exc) and "301" in str(exc)
    assert isinstance(codes.script_error_for("X", "3"), Permanent)
