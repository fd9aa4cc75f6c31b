"""The ingress's pure parts: start-up checks, envelope JSON, GCRA parameters, addresses,
media types, the server command lines and the OpenAPI document."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path

import pytest
from werkzeug.wrappers import Request

from hookmaker.serve import gunicorn_argv, granian_argv
from ingress.accept import IngressEnvelope
from ingress.checks import client_address, is_slack_ssl_check
from ingress.openapi import document
from ingress.problems import PROBLEMS
from ingress.ratelimit import gcra, retry_after_header
from ingress.sources import accepted, prepare
from shared.celery_settings import WakeupMessage
from shared.config import load
from shared.envelope import Attempt, Envelope
from shared.errors import ConfigError

BASE = """
[redis]
url = "redis://127.0.0.1:1/0"
[filemaker.main]
url = "http://127.0.0.1:9"
database = "D"
username = "u"
password = "file:fm"
"""


def _config(tmp_path: Path, text: str, secrets: dict[str, str] | None = None):
    (tmp_path / "fm").write_text("x")
    for name, value in (secrets or {}).items():
        (tmp_path / name).write_text(value)
    path = tmp_path / "hookmaker.toml"
    path.write_text(BASE + text)
    return load(path, {})


def test_standard_secret_that_is_not_base64_fails_at_start_up(tmp_path):
    config = _config(tmp_path, '[sources.clerk]\nverifier = "standard"\n'
                               'secrets = ["file:s1", "file:s2"]\n',
                     {"s1": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "s2": "whsec_not*base64!"})
    with pytest.raises(ConfigError, match=r"sources\.clerk: secrets\[1\]") as info:
        prepare(config)
    assert "not*base64" not in str(info.value)


def test_blank_secret_fails_at_start_up(tmp_path):
    with pytest.raises(ConfigError, match=r"sources\.gh.*empty"):
        prepare(_config(tmp_path, '[sources.gh]\nverifier = "github"\nsecrets = ["file:s1"]\n',
                        {"s1": "   "}))


def test_every_kind_prepares_with_a_usable_secret(tmp_path):
    kinds = ["stripe", "github", "slack", "shopify", "twilio", "zoom", "square", "paddle",
             "hubspot", "hmac", "apikey", "basic", "bearer"]
    text = "".join(f'[sources.{k}]\nverifier = "{k}"\nsecrets = ["file:s"]\n' for k in kinds)
    ready = prepare(_config(tmp_path, text, {"s": "user:secret"}))
    assert set(ready) == set(kinds)
    assert "x-api-key" in ready["apikey"].dropped_headers
    assert ready["twilio"].needs_url and not ready["stripe"].needs_url
    assert ready["stripe"].parse_json and not ready["github"].parse_json


def test_static_reply_and_limits_are_read(tmp_path):
    config = _config(tmp_path, '[ingress]\nrate_per_s = 100\n[sources.t]\nverifier = "twilio"\n'
                               'secrets = ["file:s"]\nrate_per_s = 10\nburst = 5\n'
                               '[sources.t.reply]\nbody = "<Response/>"\n'
                               'content_type = "text/xml"\n', {"s": "token"})
    source = prepare(config)["t"]
    assert source.reply.status == 200 and source.reply.body == b"<Response/>"
    assert source.limit.interval_us == 100_000 and source.limit.tolerance_us == 400_000


def test_static_reply_must_be_2xx(tmp_path):
    with pytest.raises(ConfigError, match="2xx"):
        _config(tmp_path, '[sources.t]\nverifier = "bearer"\nsecrets = ["file:s"]\n'
                          '[sources.t.reply]\nstatus = 302\n', {"s": "token"})


def test_ingress_envelope_json_is_exactly_envelope_json():
    for envelope in (
            IngressEnvelope(id="01ABC", source="s", received_at=time.time(), body=b"\x00\xff{}",
                            headers={"X-A": "\u00e9", "Content-Type": "text/plain"},
                            content_type="text/plain", dedupe_key="k", event_type=None),
            IngressEnvelope(id="01ABD", source="s", received_at=1.5, body=b"",
                            headers={}, original_body=b"orig",
                            attempts=(Attempt(at=1.0, outcome="transient", code="802"),))):
        plain = Envelope(**{f: getattr(envelope, f) for f in envelope.__dataclass_fields__})
        assert envelope.to_json() == plain.to_json()
        assert Envelope.from_json(envelope.to_json()) == plain


def test_gcra_parameters():
    limit = gcra("k", rate_per_s=4, burst=0)
    assert limit.interval_us == 250_000 and limit.tolerance_us == 3 * 250_000
    assert gcra("k", rate_per_s=0.5, burst=1).tolerance_us == 0
    assert retry_after_header(0.01) == 1 and retry_after_header(2.2) == 3


@pytest.mark.parametrize("peer,forwarded,hops,expected", [
    ("1.1.1.1", None, 0, "1.1.1.1"),
    ("1.1.1.1", "9.9.9.9", 0, "1.1.1.1"),
    ("10.0.0.2", "203.0.113.5", 1, "203.0.113.5"),
    ("10.0.0.2", "6.6.6.6, 203.0.113.5", 1, "203.0.113.5"),
    ("10.0.0.2", "6.6.6.6, 203.0.113.5, 10.0.0.3", 2, "203.0.113.5"),
    ("10.0.0.2", None, 1, ""),
    ("10.0.0.2", "203.0.113.5", 2, ""),
])
def test_client_address_trusts_only_the_configured_hops(peer, forwarded, hops, expected):
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    req = Request.from_values(headers=headers, environ_base={"REMOTE_ADDR": peer})
    assert client_address(req, hops) == expected


def test_slack_ssl_check_detection():
    form = "application/x-www-form-urlencoded"
    assert is_slack_ssl_check("slack", form, b"ssl_check=1&token=x")
    assert not is_slack_ssl_check("slack", "application/json", b'{"ssl_check":"1"}')
    assert not is_slack_ssl_check("github", form, b"ssl_check=1")
    assert not is_slack_ssl_check("slack", form, b"ssl_check=0")
    assert not is_slack_ssl_check("slack", form, b"ssl_check=1&" + b"a=1&" * 100)


@pytest.mark.parametrize("ctype,ok", [
    ("application/json", True), ("Application/JSON; charset=utf-8", True),
    ("application/cloudevents+json", True), ("application/soap+xml", True),
    ("text/plain", True), ("text/xml", True), ("application/x-www-form-urlencoded", True),
    ("text/html", False), ("multipart/form-data", False), ("", False), (None, False)])
def test_accepted_media_types(ctype, ok):
    assert accepted(ctype) is ok


def test_access_log_never_shows_the_query_string(tmp_path):
    config = _config(tmp_path, "")
    argv = gunicorn_argv(config, bind="127.0.0.1:1", workers=2, threads=1)
    fmt = argv[argv.index("--access-logformat") + 1]
    assert "%(r)s" not in fmt and "%(q)s" not in fmt and "%(U)s" in fmt
    assert argv[argv.index("--worker-class") + 1] == "sync"
    assert argv[argv.index("--graceful-timeout") + 1] == "30"
    granian = granian_argv(config, bind="127.0.0.1:1", workers=2, threads=4)
    assert granian[granian.index("--blocking-threads") + 1] == "4"


def test_wakeup_message_shape():
    message = json.loads(WakeupMessage("q").render('01"X'))
    assert json.loads(base64.b64decode(message["body"]))[0] == ['01"X']
    assert message["headers"]["task"] == "hookmaker.deliver"
    assert message["properties"]["delivery_info"] == {"exchange": "", "routing_key": "q"}


def test_openapi_lists_every_problem_and_status():
    doc = document()
    responses = doc["paths"]["/hooks/{source}"]["post"]["responses"]
    for status, _ in PROBLEMS.values():
        assert str(status) in responses
    assert {"200", "202"} <= set(responses)
