"""Loading and validating the schema file."""

from __future__ import annotations

from pathlib import Path

import pytest

from emulator.schema import SchemaError, load_schema, parse_schema
from emulator.scripts import build_registry

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "filemaker-schema.toml"


def minimal(**table_fields: object) -> dict:
    return {"databases": {"DB": {
        "accounts": [{"name": "u", "password": "p"}],
        "tables": {"T": {"fields": table_fields or {"A": "text"}}},
        "layouts": {"L": {"table": "T"}}}}}


def test_example_schema_loads_with_the_contracted_content() -> None:
    schema = load_schema(EXAMPLE)
    db = schema.databases["Hookmaker"]
    assert db.accounts == {"hookmaker": "hookmaker-dev"}
    inbox = db.tables["Inbox"].fields
    assert inbox["EventId"].unique and inbox["EventId"].not_empty
    assert inbox["CreatedAt"].auto_enter == "creation_timestamp"
    assert not inbox["CreatedAt"].modifiable
    assert inbox["ReceivedAt"].type == "timestamp"
    orders = db.tables["Orders"].fields
    assert orders["Amount"].type == "number" and orders["Currency"].max_chars == 3
    assert db.layouts["Inbox"].table == "Inbox" and db.layouts["Orders"].table == "Orders"
    assert {"Import JSON", "Echo", "Fail"} <= set(db.scripts)
    assert db.global_field("Inbox::gLastSource") is not None
    assert set(build_registry(db)) == set(db.scripts)


def test_resolve_accepts_suffix_and_case() -> None:
    schema = load_schema(EXAMPLE)
    for spelling in ("Hookmaker", "hookmaker", "Hookmaker.fmp12", "HOOKMAKER.FMP12"):
        assert schema.resolve(spelling).name == "Hookmaker"
    assert schema.resolve("Other") is None


def test_layout_field_subset() -> None:
    raw = minimal(A="text", B="number")
    raw["databases"]["DB"]["layouts"]["S"] = {"table": "T", "fields": ["B"]}
    assert parse_schema(raw).databases["DB"].layouts["S"].field_names == ("B",)


@pytest.mark.parametrize("mutate, key", [
    (lambda r: r["databases"]["DB"]["tables"]["T"]["fields"].update(A={"type": "blob"}),
     "databases.DB.tables.T.fields.A.type"),
    (lambda r: r["databases"]["DB"]["tables"]["T"]["fields"].update(A={"uniq": True}),
     "databases.DB.tables.T.fields.A.uniq"),
    (lambda r: r["databases"]["DB"]["tables"]["T"]["fields"].update(A={"max_chars": -1}),
     "databases.DB.tables.T.fields.A.max_chars"),
    (lambda r: r["databases"]["DB"]["tables"]["T"]["fields"].update(A={"unique": "yes"}),
     "databases.DB.tables.T.fields.A.unique"),
    (lambda r: r["databases"]["DB"]["tables"]["T"]["fields"].update(A={"auto_enter": "x"}),
     "databases.DB.tables.T.fields.A.auto_enter"),
    (lambda r: r["databases"]["DB"]["layouts"].update(L={"table": "Nope"}),
     "databases.DB.layouts.L.table"),
    (lambda r: r["databases"]["DB"]["layouts"].update(L={"table": "T", "fields": ["Z"]}),
     "databases.DB.layouts.L.fields"),
    (lambda r: r["databases"]["DB"].update(accounts=[]), "databases.DB.accounts"),
    (lambda r: r["databases"]["DB"].update(accounts=[{"name": "u"}]), "databases.DB.accounts[0]"),
    (lambda r: r["databases"]["DB"].update(scripts={"S": {}}), "databases.DB.scripts.S"),
    (lambda r: r["databases"]["DB"].update(scripts={"S": {"callable": "nocolon"}}),
     "databases.DB.scripts.S.callable"),
    (lambda r: r.update(databases={}), "databases"),
])
def test_errors_name_the_key(mutate, key: str) -> None:
    raw = minimal()
    mutate(raw)
    with pytest.raises(SchemaError, match=key.replace("[", r"\[").replace("]", r"\]")):
        parse_schema(raw)


def test_unknown_builtin_and_unimportable_callable() -> None:
    raw = minimal()
    raw["databases"]["DB"]["scripts"] = {"S": {"builtin": "nope"}}
    with pytest.raises(SchemaError, match="databases.DB.scripts.S.builtin"):
        build_registry(parse_schema(raw).databases["DB"])
    raw["databases"]["DB"]["scripts"] = {"S": {"callable": "no.such.module:fn"}}
    with pytest.raises(SchemaError, match="databases.DB.scripts.S.callable"):
        build_registry(parse_schema(raw).databases["DB"])


def test_callable_script_is_imported() -> None:
    raw = minimal()
    raw["databases"]["DB"]["scripts"] = {"S": {"callable": "emulator.scripts:echo", "x": 1}}
    bound = build_registry(parse_schema(raw).databases["DB"])["S"]
    assert bound.fn.__name__ == "echo" and bound.definition.options == {"x": 1}


def test_missing_and_invalid_files(tmp_path: Path) -> None:
    with pytest.raises(SchemaError, match="not found"):
        load_schema(tmp_path / "none.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("databases = [", encoding="utf-8")
    with pytest.raises(SchemaError, match="not valid TOML"):
        load_schema(bad)
