"""Dedupe-key and event-type presets, parsed rules, and hostile input."""

from __future__ import annotations

import hashlib
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from verifier_helpers import request

from ingress import presets
from ingress.presets import (HeaderRule, JsonRule, Rule, Sha256Rule, dedupe_key, event_type,
                            parse_rule)
from ingress.verifiers import VERIFIERS
from shared.errors import ConfigError


def sha(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def body_of(doc) -> bytes:
    return json.dumps(doc).encode()


@pytest.mark.parametrize("kind,headers,doc,key,etype", [
    ("stripe", {}, {"id": "evt_1", "type": "invoice.paid"}, "evt_1", "invoice.paid"),
    ("github", {"X-GitHub-Delivery": "guid-1", "X-GitHub-Event": "push"}, {}, "guid-1", "push"),
    ("slack", {}, {"event_id": "Ev1", "type": "event_callback", "event": {"type": "message"}},
     "Ev1", "message"),
    ("shopify", {"X-Shopify-Webhook-Id": "w1", "X-Shopify-Topic": "orders/create"}, {}, "w1",
     "orders/create"),
    ("shopify", {"shopify-webhook-id": "w2", "shopify-topic": "orders/paid"}, {}, "w2",
     "orders/paid"),
    ("standard", {"webhook-id": "msg_1"}, {"type": "user.created"}, "msg_1", "user.created"),
    ("standard", {"webhook-id": "msg_1", "svix-id": "msg_2"}, {"type": "t"}, "msg_2", "t"),
    ("twilio", {"I-Twilio-Idempotency-Token": "tok"}, {}, "tok", None),
    ("square", {}, {"event_id": "e1", "type": "payment.created"}, "e1", "payment.created"),
    ("paddle", {}, {"event_id": "evt_9", "event_type": "transaction.paid"}, "evt_9",
     "transaction.paid"),
])
def test_presets(kind, headers, doc, key, etype):
    req = request(headers, body_of(doc))
    assert dedupe_key(kind, req) == key
    assert event_type(kind, req) == etype


def test_slack_event_type_falls_back_to_top_level_type():
    req = request({}, body_of({"type": "url_verification"}))
    assert event_type("slack", req) == "url_verification"


def test_zoom_and_hubspot_hash_the_body():
    zoom = request({}, body_of({"event": "meeting.started"}))
    assert (dedupe_key("zoom", zoom), event_type("zoom", zoom)) == (sha(zoom.body),
                                                                      "meeting.started")
    hub = request({}, body_of([{"eventId": 1, "subscriptionType": "contact.creation"}]))
    assert (dedupe_key("hubspot", hub), event_type("hubspot", hub)) == (sha(hub.body),
                                                                         "contact.creation")


def test_every_verifier_kind_has_a_preset():
    assert set(presets.PRESETS) == set(VERIFIERS)


@pytest.mark.parametrize("kind", ["stripe", "github", "standard", "paddle"])
def test_missing_values_fall_back(kind):
    req = request({}, b"not json at all")
    assert dedupe_key(kind, req) == sha(b"not json at all")
    assert event_type(kind, req) is None


def test_parse_rules():
    assert parse_rule("stripe") == "stripe"
    assert parse_rule({"header": "X-Id"}) == Rule((HeaderRule("X-Id"),))
    assert parse_rule({"json": "items.0.id"}) == Rule((JsonRule(("items", "0", "id")),))
    assert parse_rule({"sha256": True}) == Rule((Sha256Rule(),))
    assert parse_rule([{"header": "X-Id"}, {"json": "id"}]).atoms[1] == JsonRule(("id",))


@pytest.mark.parametrize("raw", ["paypal", {}, {"header": ""}, {"json": "a..b"}, {"sha256": 1},
                                 {"header": "X", "json": "id"}, [], [{"xml": "a"}], 5, None])
def test_parse_rule_errors_name_the_key(raw):
    with pytest.raises(ConfigError) as info:
        parse_rule(raw, "sources.shop.dedupe")
    assert "sources.shop.dedupe" in str(info.value)


def test_generic_rules():
    doc = {"data": {"id": 42}, "items": [{"id": "a"}, {"id": "b"}], "flag": True}
    req = request({"X-Id": "hdr-1"}, body_of(doc))
    assert dedupe_key(parse_rule({"header": "X-Id"}), req) == "hdr-1"
    assert dedupe_key(parse_rule({"json": "data.id"}), req) == "42"
    assert dedupe_key(parse_rule({"json": "items.1.id"}), req) == "b"
    assert dedupe_key(parse_rule({"json": "items.5.id"}), req) == sha(req.body)
    assert dedupe_key(parse_rule({"json": "flag"}), req) == sha(req.body)
    assert dedupe_key(parse_rule({"json": "data"}), req) == sha(req.body)
    assert dedupe_key(parse_rule({"sha256": True}), req) == sha(req.body)
    assert event_type(parse_rule({"json": "items.0.id"}), req) == "a"
    assert event_type(parse_rule({"sha256": True}), req) is None


def test_long_values_are_hashed_or_dropped():
    long = "x" * 1000
    req = request({"X-GitHub-Delivery": long, "X-GitHub-Event": long}, b"{}")
    assert dedupe_key("github", req) == sha(long.encode())
    assert event_type("github", req) is None


def test_json_is_parsed_at_most_once(monkeypatch):
    calls = []
    real = presets.load_json
    monkeypatch.setattr(presets, "load_json", lambda body: calls.append(1) or real(body))
    req = request({}, body_of({"type": "a"}))
    rule = parse_rule([{"json": "missing"}, {"json": "also.missing"}, {"json": "type"}])
    assert event_type(rule, req) == "a"
    assert len(calls) == 1
    assert dedupe_key("github", request({}, b"{}")) == sha(b"{}")
    assert len(calls) == 1  # header rules never parse the body
    assert dedupe_key("stripe", req, parsed_body={"id": "pre"}) == "pre"
    assert len(calls) == 1


def test_unknown_preset_name_is_config_error():
    with pytest.raises(ConfigError):
        dedupe_key("paypal", request({}, b""))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda kids: st.lists(kids, max_size=3) | st.dictionaries(
        st.sampled_from(["id", "type", "event", "event_id", "event_type", "data", "0", "items"]),
        kids, max_size=4),
    max_leaves=12)


@settings(max_examples=200, deadline=None)
@given(kind=st.sampled_from(sorted(presets.PRESETS)),
       body=st.one_of(st.binary(max_size=200), json_values.map(lambda d: json.dumps(d).encode()),
                      st.just(b"[" * 50_000), st.just(b"1" * 5000)),
       headers=st.dictionaries(st.sampled_from(["X-GitHub-Delivery", "X-GitHub-Event",
                                                "webhook-id", "svix-id", "X-Shopify-Topic"]),
                               st.text(max_size=30)))
def test_hostile_input_never_raises(kind, body, headers):
    req = request(headers, body)
    key = dedupe_key(kind, req)
    assert isinstance(key, str) and key
    result = event_type(kind, req)
    assert result is None or isinstance(result, str)
