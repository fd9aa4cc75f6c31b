"""Requests signed by code nobody here wrote: the providers' own SDKs (test-only dependencies:
standardwebhooks, svix, stripe, slack_sdk, twilio) and GitHub's documented Python recipe."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from datetime import datetime, timezone
from urllib.parse import urlencode

import pytest
import standardwebhooks
import stripe
import svix
from ingress_helpers import OLD, PREFIX, SECRETS, URL_BASE
from slack_sdk.signature import SignatureVerifier
from twilio.request_validator import RequestValidator

pytestmark = pytest.mark.integration


def _event() -> bytes:
    return json.dumps({"id": f"evt_{uuid.uuid4().hex}", "type": "invoice.paid",
                       "event_id": uuid.uuid4().hex, "data": {"amount": 4900}}).encode()


def _stored(redis_client, answer) -> dict:
    assert answer.status_code == 202, answer.get_json()
    raw = redis_client.hget(f"{PREFIX}:ev:{answer.get_json()['id']}", "envelope")
    return json.loads(raw)


@pytest.mark.parametrize("secret", [SECRETS["standard"], OLD["standard"]])
def test_standardwebhooks_library_signature(client, redis_client, secret):
    body, msg_id = _event(), f"msg_{uuid.uuid4().hex}"
    stamp = datetime.now(tz=timezone.utc)
    signature = standardwebhooks.Webhook(secret).sign(msg_id, stamp, body.decode())
    answer = client.post("/hooks/standard", data=body, content_type="application/json",
                         headers={"webhook-id": msg_id,
                                  "webhook-timestamp": str(int(stamp.timestamp())),
                                  "webhook-signature": signature})
    assert _stored(redis_client, answer)["dedupe_key"] == msg_id


def test_svix_library_signature_with_svix_headers(client, redis_client):
    body, msg_id = _event(), f"msg_{uuid.uuid4().hex}"
    stamp = datetime.now(tz=timezone.utc)
    signature = svix.Webhook(SECRETS["standard"]).sign(msg_id, stamp, body.decode())
    answer = client.post("/hooks/standard", data=body, content_type="application/json",
                         headers={"svix-id": msg_id, "svix-timestamp": str(int(stamp.timestamp())),
                                  "svix-signature": signature})
    assert _stored(redis_client, answer)["dedupe_key"] == msg_id


def test_stripe_sdk_signature_header(client, redis_client):
    body = _event()
    header = stripe.WebhookSignature.generate_signature_header(body.decode(), SECRETS["stripe"])
    answer = client.post("/hooks/stripe", data=body, content_type="application/json",
                         headers={"Stripe-Signature": header})
    stored = _stored(redis_client, answer)
    assert stored["dedupe_key"] == json.loads(body)["id"]
    assert stored["event_type"] == "invoice.paid"


def test_stripe_sdk_verifies_what_we_accept(client):
    body = _event()
    header = stripe.WebhookSignature.generate_signature_header(body.decode(), SECRETS["stripe"])
    assert stripe.WebhookSignature.verify_header(body.decode(), header, SECRETS["stripe"])


def test_slack_sdk_signature(client, redis_client):
    body = json.dumps({"type": "event_callback", "event_id": f"Ev{uuid.uuid4().hex[:10]}",
                       "event": {"type": "message", "text": "hi"}}).encode()
    stamp = str(int(time.time()))
    signature = SignatureVerifier(SECRETS["slack"]).generate_signature(timestamp=stamp,
                                                                      body=body)
    answer = client.post("/hooks/slack", data=body, content_type="application/json",
                         headers={"X-Slack-Request-Timestamp": stamp,
                                  "X-Slack-Signature": signature})
    assert _stored(redis_client, answer)["event_type"] == "message"


def test_slack_sdk_signature_on_interactivity_form(client, redis_client):
    payload = json.dumps({"type": "block_actions", "actions": [{"action_id": "approve"}]})
    body = urlencode({"payload": payload}).encode()
    stamp = str(int(time.time()))
    signature = SignatureVerifier(SECRETS["slack"]).generate_signature(timestamp=stamp,
                                                                      body=body)
    answer = client.post("/hooks/slack", data=body,
                         content_type="application/x-www-form-urlencoded",
                         headers={"X-Slack-Request-Timestamp": stamp,
                                  "X-Slack-Signature": signature})
    assert base64.b64decode(_stored(redis_client, answer)["body"]) == body, "raw bytes kept"


def test_github_documented_python_recipe(client, redis_client):
    body = _event()
    # https://docs.github.com/webhooks/using-webhooks/validating-webhook-deliveries
    digest = hmac.new(SECRETS["github"].encode("utf-8"), msg=body, digestmod=hashlib.sha256)
    delivery = str(uuid.uuid4())
    answer = client.post("/hooks/github", data=body, content_type="application/json",
                         headers={"X-Hub-Signature-256": "sha256=" + digest.hexdigest(),
                                  "X-GitHub-Event": "issues", "X-GitHub-Delivery": delivery})
    stored = _stored(redis_client, answer)
    assert stored["dedupe_key"] == delivery and stored["event_type"] == "issues"


def test_twilio_sdk_request_validator_signature(client, redis_client):
    params = {"CallSid": f"CA{uuid.uuid4().hex}", "From": "+15550001", "Body": "hello & bye"}
    url = f"{URL_BASE}/hooks/twilio?tenant=a"
    signature = RequestValidator(SECRETS["twilio"]).compute_signature(url, params)
    answer = client.post("/hooks/twilio?tenant=a", data=params,
                         headers={"X-Twilio-Signature": signature})
    assert _stored(redis_client, answer)["source"] == "twilio"
