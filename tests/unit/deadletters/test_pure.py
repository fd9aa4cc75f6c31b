"""The pure parts: filters, times, cursors, the [admin] table, display formats."""

from __future__ import annotations

from pathlib import Path

import pytest

from admin.format import age, pretty, ts
from hookmaker.inspect import format_event
from shared.texttable import text_table
from shared.adminconfig import console_settings, dlq_settings
from shared.config import load
from shared.errors import ConfigError
from shared.search import Cursor, Filter, FilterError, page_limit, parse_time, searchable

BASE = """
[redis]
url = "redis://127.0.0.1:1/0"
[filemaker.main]
url = "http://127.0.0.1:1"
database = "Hookmaker"
username = "u"
password = "env:FM_PASSWORD"
[sources.stripe]
verifier = "stripe"
secrets = ["env:STRIPE"]
"""
ENV = {"FM_PASSWORD": "x", "STRIPE": "y", "TOKEN": "t" * 30}
HASH = "pbkdf2:sha256:1000$salt$" + "0" * 64


def config(tmp_path: Path, admin: str):
    path = tmp_path / "hookmaker.toml"
    path.write_text(BASE + admin)
    return load(path, ENV)


def test_filter_from_params_ignores_blanks_and_reads_times():
    flt = Filter.from_params({"code": "511", "source": "", "since": "2h", "until": "100",
                              "other": "x"}, now=10_000.0)
    assert flt.code == "511" and flt.source == "" and flt.since == 10_000.0 - 7200
    assert flt.until == 100.0 and flt.facets() == {"code": "511"}
    assert flt.to_params() == {"code": "511", "since": 2800.0, "until": 100.0}
    assert Filter().is_empty() and not flt.is_empty()


@pytest.mark.parametrize("raw, expected", [
    (1.5, 1.5), ("1700000000", 1_700_000_000.0), ("30m", 100_000.0 - 1800),
    ("2d", 100_000.0 - 172_800), ("1970-01-02T00:00:00Z", 86_400.0),
    ("1970-01-02 00:00:00", 86_400.0)])
def test_parse_time(raw, expected):
    assert parse_time(raw, now=100_000.0) == expected


def test_parse_time_names_the_parameter():
    with pytest.raises(FilterError, match="since: 'yesterday'"):
        parse_time("yesterday", "since")


def test_cursor_round_trip_and_refusal():
    cursor = Cursor(1764763200.123456, "01ABC")
    assert Cursor.decode(cursor.encode()) == cursor
    assert Cursor.decode(None) is None
    for bad in ("nope", "1.5:", "x:id"):
        with pytest.raises(FilterError):
            Cursor.decode(bad)


def test_page_limit():
    assert page_limit(None) == 50 and page_limit("10") == 10
    for bad in ("0", "501", "ten"):
        with pytest.raises(FilterError):
            page_limit(bad)


def test_searchable_text_is_lowercase_and_capped():
    assert searchable("Ada ÉLAN".encode()) == "ada élan"
    assert len(searchable(b"x" * 100_000)) == 65_536


def test_admin_defaults_and_accounts(tmp_path):
    cfg = config(tmp_path, f"""
[admin]
cookie_secure = false
[admin.accounts.olivia]
password_hash = "{HASH}"
role = "operator"
[admin.tokens.ci]
token = "env:TOKEN"
role = "viewer"
[admin.dlq]
requeue_rate_per_s = 5
""")
    settings = console_settings(cfg, ENV)
    assert settings.accounts["olivia"].role == "operator" and not settings.cookie_secure
    assert settings.tokens[0].role == "viewer" and settings.port == 8081
    assert settings.dlq.requeue_rate_per_s == 5 and settings.dlq.max_letters == 100_000
    assert "0000" not in repr(settings.accounts["olivia"])            # no hash in logs
    assert dlq_settings(config(tmp_path, "")).max_age_s == 30 * 86400


@pytest.mark.parametrize("admin, problem", [
    ("[admin]\nport = 1\n", "admin.accounts.*no account and no token"),
    ('[admin.accounts.a]\npassword_hash = "hunter2"\nrole = "viewer"\n',
     "admin.accounts.a.password_hash.*never a password"),
    (f'[admin.accounts.a]\npassword_hash = "{HASH}"\nrole = "boss"\n',
     "admin.accounts.a.role.*viewer, operator"),
    (f'[admin.accounts.a]\npassword_hash = "{HASH}"\nrole = "viewer"\npasword = 1\n',
     "admin.accounts.a.pasword.*unknown key"),
    ('[admin.tokens.t]\ntoken = "inline-token-000000000000000"\nrole = "viewer"\n',
     "admin.tokens.t.token.*by reference"),
    (f'[admin.accounts.a]\npassword_hash = "{HASH}"\nrole = "viewer"\n'
     '[admin.dlq]\nrequeue_rate_per_s = 0\n', "admin.dlq.requeue_rate_per_s.*at least"),
])
def test_admin_errors_name_the_key(tmp_path, admin, problem):
    with pytest.raises(ConfigError, match=problem):
        console_settings(config(tmp_path, admin), ENV)


def test_formats():
    assert ts(86_400) == "1970-01-02 00:00:00" and ts(None) == "-"
    assert ts(86_400.0425, ms=True) == "1970-01-02 00:00:00.042"
    assert age(59) == "59 s" and age(3600 * 5) == "5 h" and age(None) == "-"
    assert pretty('{"a":1}') == '{\n  "a": 1\n}' and pretty("not json") == "not json"


def test_event_view_reads_in_utc():
    view = {"id": "01E", "source": "stripe", "event_type": "", "state": "dead", "route": None,
            "record_id": None, "dedupe_key": "evt_1", "attempts": 1, "received_at": 86_400.5,
            "history": [{"at": 86_401.25, "outcome": "permanent", "code": "511",
                         "message": "Value in field exceeds maximum field size"}],
            "body": '{"a":1}'}
    text = format_event(view)
    assert "received  1970-01-02 00:00:00.500 UTC" in text
    assert "  1970-01-02 00:00:01.250  permanent    FM 511   Value in field" in text
    assert text.endswith('body:\n{\n  "a": 1\n}')


def test_text_table_fits_columns_to_their_cells():
    table = text_table(("ID", "ROUTE", "MESSAGE"),
                       [("01A", "stripe-orders", "Value in field exceeds maximum field size"),
                        ("01B", "-", "ok")])
    assert table.splitlines() == [
        "ID   ROUTE          MESSAGE",
        "01A  stripe-orders  Value in field exceeds maximum field size",
        "01B  -              ok"]
