"""Every verifier through the whole ingress, on a real Redis: valid, tampered, wrong secret,
stale and future timestamps, rotation. A rejection stores nothing."""

from __future__ import annotations

import json
import uuid

import pytest

from ingress.sources import prepare
from ingress_helpers import OLD, PREFIX, SECRETS, URL_BASE, accepted, now, stored_keys

pytestmark = pytest.mark.integration

FORM = "application/x-www-form-urlencoded"
SIGNED = ("stripe", "github", "slack", "shopify", "standard", "twilio", "zoom", "square",
          "paddle", "hubspot", "hmac")
CREDENTIALS = ("apikey", "basic", "bearer")
# kind -> (stale rejected, future rejected): each provider's own rules
TIMESTAMPED = {"stripe": (True, False), "slack": (True, True), "standard": (True, True),
               "paddle": (True, False), "hubspot": (True, False), "hmac": (True, True)}
AGES_S = {"stale": -3600, "future": 3600}


def body_for(kind: str) -> tuple[bytes, str]:
    token = uuid.uuid4().hex
    if kind == "twilio":
        return f"CallSid=CA{token}&From=%2B15550001&Body=hello+world".encode(), FORM
    if kind == "hubspot":
        return json.dumps([{"eventId": token, "subscriptionType": "contact.creation"}]).encode(), \
            "application/json"
    return json.dumps({"id": f"evt_{token}", "event_id": token, "type": "thing.created",
                       "data": {"object": {"id": token}}}).encode(), "application/json"


def post(client, config, kind: str, body: bytes, content_type: str, *, secret: str | None = None,
         at: float | None = None, tamper: bool = False, extra: dict | None = None):
    source = prepare(config)[kind]
    url = f"{URL_BASE}/hooks/{kind}"
    headers = source.verifier.sign(body, secret or SECRETS[kind], at or now(), source.options,
                                   url=url, msg_id=f"msg_{uuid.uuid4().hex}")
    headers.update(extra or {})
    sent = body + b"x" if tamper and content_type != FORM else \
        body.replace(b"hello", b"HELLO") if tamper else body
    return client.post(f"/hooks/{kind}", data=sent, headers=headers, content_type=content_type)


@pytest.mark.parametrize("kind", SIGNED + CREDENTIALS)
def test_valid_request_is_stored(client, config, redis_client, kind):
    body, ctype = body_for(kind)
    answer = post(client, config, kind, body, ctype)
    assert answer.status_code == 202, answer.get_json()
    event_id = answer.get_json()["id"]
    stored = redis_client.hget(f"{PREFIX}:ev:{event_id}", "envelope")
    assert json.loads(stored)["source"] == kind
    assert answer.headers["X-Request-Id"]


@pytest.mark.parametrize("kind", SIGNED)
def test_tampered_body_is_401_and_nothing_is_stored(client, config, redis_client, kind):
    body, ctype = body_for(kind)
    answer = post(client, config, kind, body, ctype, tamper=True)
    assert answer.status_code == 401, answer.get_json()
    assert answer.content_type == "application/problem+json"
    assert answer.get_json()["type"].endswith("/signature-mismatch")
    assert stored_keys(redis_client) == []


@pytest.mark.parametrize("kind", SIGNED + CREDENTIALS)
def test_wrong_secret_is_401_and_nothing_is_stored(client, config, redis_client, kind):
    body, ctype = body_for(kind)
    wrong = "whsec_d3Jvbmctc2VjcmV0LXdyb25nLXNlY3JldA==" if kind == "standard" else \
        "zap:wrong" if kind == "basic" else "not-the-secret"
    answer = post(client, config, kind, body, ctype, secret=wrong)
    assert answer.status_code == 401
    problem = answer.get_json()
    assert problem["type"].split("/")[-1] in ("signature-mismatch", "bad-credentials")
    assert SECRETS[kind] not in answer.get_data(as_text=True)
    assert stored_keys(redis_client) == []


@pytest.mark.parametrize("kind", SIGNED + CREDENTIALS)
def test_rotation_old_secret_still_accepted(client, config, kind):
    body, ctype = body_for(kind)
    assert post(client, config, kind, body, ctype, secret=OLD[kind]).status_code == 202


@pytest.mark.parametrize("kind,when", [(k, w) for k in TIMESTAMPED for w in AGES_S])
def test_stale_and_future_timestamps_follow_each_provider(client, config, redis_client, kind,
                                                          when):
    body, ctype = body_for(kind)
    answer = post(client, config, kind, body, ctype, at=now() + AGES_S[when])
    rejected = TIMESTAMPED[kind][0 if when == "stale" else 1]
    if rejected:
        assert answer.status_code == 401, answer.get_json()
        assert answer.get_json()["type"].endswith("/timestamp-out-of-range")
        assert stored_keys(redis_client) == []
    else:
        assert answer.status_code == 202


def test_stripe_rotation_one_valid_among_several_and_v0_skipped(client, config):
    body, ctype = body_for("stripe")
    source = prepare(config)["stripe"]
    header = source.verifier.sign(body, SECRETS["stripe"], now(), source.options)
    stamp, signature = header["Stripe-Signature"].split(",")
    mixed = f"{stamp},v1={'0' * 64},v0={'f' * 64},{signature},v2=junk"
    answer = client.post("/hooks/stripe", data=body, content_type=ctype,
                         headers={"Stripe-Signature": mixed})
    assert answer.status_code == 202


def test_standard_rotation_one_valid_among_several(client, config):
    body, ctype = body_for("standard")
    source = prepare(config)["standard"]
    headers = source.verifier.sign(body, OLD["standard"], now(), source.options, msg_id="msg_1")
    headers["webhook-signature"] = ("v1a,AAAA v1,Zm9vYmFy " + headers["webhook-signature"]
                                    + " v2,whatever")
    answer = client.post("/hooks/standard", data=body, content_type=ctype, headers=headers)
    assert answer.status_code == 202


def test_missing_signature_is_401_missing(client, redis_client):
    answer = client.post("/hooks/stripe", data=b'{"id":"evt_x"}', content_type="application/json")
    assert answer.status_code == 401
    assert answer.get_json()["type"].endswith("/missing-signature")
    assert accepted(redis_client) == 0


def test_credentials_are_not_stored_with_the_event(client, config, redis_client):
    for kind in CREDENTIALS:
        body, ctype = body_for(kind)
        event_id = post(client, config, kind, body, ctype).get_json()["id"]
        envelope = redis_client.hget(f"{PREFIX}:ev:{event_id}", "envelope").decode()
        assert SECRETS[kind] not in envelope
        assert "Authorization" not in json.loads(envelope)["headers"]
