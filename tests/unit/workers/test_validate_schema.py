"""Route JSON Schemas: loaded and checked at start-up, applied by the validate stage."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shared.config import load
from shared.errors import ConfigError
from workers.validate import schema_errors

CONFIG = """
[filemaker.main]
url = "http://127.0.0.1:3000"
database = "D"
username = "u"
password = "env:FM_PASSWORD"

[sources.stripe]
verifier = "stripe"
secrets = ["env:STRIPE_SECRET"]

[[routes]]
name = "orders"
source = "stripe"
layout = "Orders"
schema = "checkout.schema.json"
"""
ENV = {"FM_PASSWORD": "p", "STRIPE_SECRET": "whsec_x"}
SCHEMA = {"type": "object", "required": ["id", "data"],
          "properties": {"id": {"type": "string"},
                         "data": {"type": "object", "required": ["object"]}}}


def _config(tmp_path: Path, schema: object):
    (tmp_path / "checkout.schema.json").write_text(json.dumps(schema))
    (tmp_path / "hookmaker.toml").write_text(CONFIG)
    return load(tmp_path / "hookmaker.toml", ENV)


def test_payload_meeting_the_schema_has_no_errors(tmp_path):
    route = _config(tmp_path, SCHEMA).routes[0]
    assert schema_errors(route, {"id": "evt_1", "data": {"object": {}}}) == []


def test_violations_name_the_place(tmp_path):
    route = _config(tmp_path, SCHEMA).routes[0]
    errors = schema_errors(route, {"id": 7, "data": {}})
    assert any(e.startswith("/id:") for e in errors)
    assert any(e.startswith("/data:") and "object" in e for e in errors)


def test_a_broken_schema_fails_at_start_up_naming_the_key(tmp_path):
    with pytest.raises(ConfigError, match=r"routes\[0\]\.schema .*not a valid JSON Schema"):
        _config(tmp_path, {"type": "no-such-type"})


def test_a_missing_schema_file_fails_at_start_up(tmp_path):
    (tmp_path / "hookmaker.toml").write_text(CONFIG)
    with pytest.raises(ConfigError, match="cannot read"):
        load(tmp_path / "hookmaker.toml", ENV)
