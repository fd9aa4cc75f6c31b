"""Inline handshake replies: Slack url_verification and ssl_check, Zoom url_validation,
GitHub ping; hostile bodies never raise."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from verifier_helpers import request

from ingress.handshakes import HandshakeReply, detect_handshake
from shared.errors import ConfigError

KINDS = ["slack", "zoom", "github", "stripe", "standard", "none"]


def test_slack_url_verification_echoes_challenge():
    challenge = "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"
    body = json.dumps({"token": "t", "challenge": challenge, "type": "url_verification"}).encode()
    reply = detect_handshake("slack", request({}, body), "secret")
    assert reply == HandshakeReply(200, challenge.encode(), "text/plain; charset=utf-8")


def test_slack_url_verification_uses_parsed_body():
    reply = detect_handshake("slack", request({}, b"not json"), None,
                             parsed_body={"type": "url_verification", "challenge": "c"})
    assert reply is not None and reply.body == b"c"


@pytest.mark.parametrize("form,body", [({"ssl_check": "1", "token": "x"}, b""),
                                       (None, b"ssl_check=1&token=x")])
def test_slack_ssl_check(form, body):
    req = request({}, body, content_type="application/x-www-form-urlencoded", form=form)
    reply = detect_handshake("slack", req, None)
    assert reply is not None and reply.status == 200 and reply.body == b""


def test_slack_ordinary_event_is_not_a_handshake():
    body = b'{"type": "event_callback", "event": {"type": "message"}}'
    assert detect_handshake("slack", request({}, body), "s") is None
    assert detect_handshake("slack", request({}, b"payload=%7B%7D"), "s") is None


def test_zoom_url_validation():
    body = b'{"event":"endpoint.url_validation","payload":{"plainToken":"qgg8vlvZRS6UYooatFL8Aw"}}'
    reply = detect_handshake("zoom", request({}, body), "secretToken")
    assert reply is not None and reply.status == 200 and reply.content_type == "application/json"
    answer = json.loads(reply.body)
    expected = hmac.new(b"secretToken", b"qgg8vlvZRS6UYooatFL8Aw", hashlib.sha256).hexdigest()
    assert answer == {"plainToken": "qgg8vlvZRS6UYooatFL8Aw", "encryptedToken": expected}


def test_zoom_without_secret_is_config_error():
    body = b'{"event":"endpoint.url_validation","payload":{"plainToken":"x"}}'
    with pytest.raises(ConfigError):
        detect_handshake("zoom", request({}, body), None)


def test_zoom_other_events_and_bad_tokens():
    assert detect_handshake("zoom", request({}, b'{"event":"meeting.started"}'), "s") is None
    body = b'{"event":"endpoint.url_validation","payload":{"plainToken":5}}'
    assert detect_handshake("zoom", request({}, body), "s") is None


def test_github_ping():
    reply = detect_handshake("github", request({"x-github-event": "ping"}, b"{}"), "s")
    assert reply is not None and reply.status == 200
    assert detect_handshake("github", request({"X-GitHub-Event": "push"}, b"{}"), "s") is None


def test_other_kinds_have_no_handshake():
    body = b'{"type":"url_verification","challenge":"c"}'
    assert detect_handshake("stripe", request({"X-GitHub-Event": "ping"}, body), "s") is None


@settings(max_examples=150, deadline=None)
@given(kind=st.sampled_from(KINDS), body=st.one_of(
    st.binary(max_size=200),
    st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=10),
                 lambda kids: st.lists(kids, max_size=3)
                 | st.dictionaries(st.sampled_from(["type", "challenge", "event", "payload",
                                                    "plainToken", "ssl_check"]), kids, max_size=4),
                 max_leaves=10).map(lambda d: json.dumps(d).encode()),
    st.just(b"[" * 100_000)),
    header=st.text(max_size=10))
def test_hostile_bodies_never_raise(kind, body, header):
    req = request({"X-GitHub-Event": header}, body)
    reply = detect_handshake(kind, req, "secret")
    assert reply is None or isinstance(reply, HandshakeReply)
