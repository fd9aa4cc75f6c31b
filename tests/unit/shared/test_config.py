"""The config: parsed once, frozen, and every error names the key (and its line)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from shared.config import load
from shared.errors import ConfigError

ROOT = Path(__file__).resolve().parents[3]
ENV = {"FM_PASSWORD": "secret-pw", "STRIPE_SECRET": "whsec_abc"}

BASE = """
[filemaker.main]
url = "http://127.0.0.1:3000"
database = "Hookmaker"
username = "hookmaker"
password = "env:FM_PASSWORD"

[sources.stripe]
verifier = "stripe"
secrets = ["env:STRIPE_SECRET"]

[[routes]]
name = "inbox"
source = "stripe"
layout = "Inbox"
"""


def _load(tmp_path: Path, text: str, env: dict | None = None):
    path = tmp_path / "hookmaker.toml"
    path.write_text(text)
    return load(path, ENV if env is None else env)


def test_the_example_config_loads():
    config = load(ROOT / "examples" / "hookmaker.toml", {})
    assert config.routes[0].name == "stripe-orders"
    assert config.filemaker["main"].password.value == "hookmaker-dev"


def test_parsed_once_into_frozen_objects(tmp_path):
    config = _load(tmp_path, BASE)
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.worker.lease_s = 1  # type: ignore[misc]
    assert config.route_for("stripe", "anything").name == "inbox"
    assert config.route_for("github", "push") is None


def test_secrets_never_inline(tmp_path):
    text = BASE.replace('password = "env:FM_PASSWORD"', 'password = "hunter2"')
    with pytest.raises(ConfigError, match=r"filemaker\.main\.password.*by reference"):
        _load(tmp_path, text)


def test_missing_env_secret_is_named(tmp_path):
    with pytest.raises(ConfigError, match="FM_PASSWORD is not set"):
        _load(tmp_path, BASE, env={"STRIPE_SECRET": "x"})


def test_file_secret_relative_to_the_config(tmp_path):
    (tmp_path / "pw").write_text("from-a-file\n")
    config = _load(tmp_path, BASE.replace("env:FM_PASSWORD", "file:pw"))
    assert config.filemaker["main"].password.value == "from-a-file"
    assert "from-a-file" not in repr(config)


def test_unknown_key_is_named_with_its_line(tmp_path):
    text = BASE.replace('layout = "Inbox"', 'layout = "Inbox"\nlayuot = "typo"')
    with pytest.raises(ConfigError) as info:
        _load(tmp_path, text)
    message = str(info.value)
    assert "routes[0].layuot" in message
    line = text.splitlines().index('layuot = "typo"') + 1
    assert f"line {line}" in message


def test_wrong_type_is_named(tmp_path):
    text = BASE.replace('database = "Hookmaker"', 'database = "Hookmaker"\nmax_sessions = "two"')
    with pytest.raises(ConfigError, match=r"filemaker\.main\.max_sessions.*number"):
        _load(tmp_path, text)


def test_route_to_unknown_source(tmp_path):
    with pytest.raises(ConfigError, match=r"routes\[0\]\.source.*unknown source 'github'"):
        _load(tmp_path, BASE.replace('source = "stripe"', 'source = "github"'))


def test_none_verifier_needs_an_allowlist(tmp_path):
    text = BASE.replace('verifier = "stripe"\nsecrets = ["env:STRIPE_SECRET"]',
                        'verifier = "none"')
    with pytest.raises(ConfigError, match="only together with an allowlist"):
        _load(tmp_path, text)
    ok = text.replace('verifier = "none"', 'verifier = "none"\nallowlist = ["10.0.0.0/8"]')
    assert _load(tmp_path, ok).sources["stripe"].allowlist == ("10.0.0.0/8",)


def test_bad_cidr_is_named(tmp_path):
    text = BASE.replace('secrets = ["env:STRIPE_SECRET"]',
                        'secrets = ["env:STRIPE_SECRET"]\nallowlist = ["10.0.0.300/8"]')
    with pytest.raises(ConfigError, match="not an IP address or CIDR"):
        _load(tmp_path, text)


def test_upsert_needs_a_key_field(tmp_path):
    text = BASE.replace('layout = "Inbox"', 'layout = "Inbox"\naction = "upsert"\n'
                        '[routes.fields]\nId = "/id"')
    with pytest.raises(ConfigError, match=r"routes\[0\]\.key_field.*upsert"):
        _load(tmp_path, text)


def test_not_toml_says_so(tmp_path):
    with pytest.raises(ConfigError, match="not valid TOML"):
        _load(tmp_path, "[redis\nurl=")


def test_redis_url_from_the_environment_wins(tmp_path):
    config = _load(tmp_path, BASE, env=dict(ENV, REDIS_URL="redis://127.0.0.1:1/0"))
    assert config.redis.url == "redis://127.0.0.1:1/0"


def test_unknown_unsafe_knob_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="unknown knob"):
        _load(tmp_path, BASE + '\n[worker]\nunsafe = ["yolo"]\n')
