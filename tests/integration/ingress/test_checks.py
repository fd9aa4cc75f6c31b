"""What the ingress refuses, answers inline, limits and deduplicates, on a real Redis."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid

import pytest
from ingress_helpers import PREFIX, SECRETS, accepted, make_config, stored_keys

from ingress.app import create_app
from ingress.openapi import document
from ingress.problems import PROBLEMS

pytestmark = pytest.mark.integration

EXTRA = """
[sources.limited]
verifier = "bearer"
secrets = ["file:secrets/bearer"]
rate_per_s = 0.5
burst = 2

[sources.office]
verifier = "none"
allowlist = ["10.0.0.0/8", "2001:db8::/32"]
trusted_proxies = 1

[sources.twiml]
verifier = "bearer"
secrets = ["file:secrets/bearer"]
[sources.twiml.reply]
status = 200
body = "<Response></Response>"
content_type = "text/xml"

[sources.small]
verifier = "bearer"
secrets = ["file:secrets/bearer"]
max_body_bytes = 100
"""
BEARER = {"Authorization": f"Bearer {SECRETS['bearer']}"}


@pytest.fixture
def app(redis_url, redis_client, tmp_path):
    application = create_app(make_config(redis_url, tmp_path / "checks", EXTRA))
    yield application
    application.extensions["hookmaker"].redis.close()


@pytest.fixture
def http(app):
    return app.test_client()


def _json(**fields) -> bytes:
    return json.dumps({"id": uuid.uuid4().hex, **fields}).encode()


def _problem(answer, status: int, reason: str) -> dict:
    assert answer.status_code == status, answer.get_data(as_text=True)
    assert answer.content_type == "application/problem+json"
    body = answer.get_json()
    assert body["type"] == f"https://hookmaker.dev/problems/{reason}"
    assert body["status"] == status and body["request_id"] == answer.headers["X-Request-Id"]
    return body


def test_unknown_source_is_404_problem(http):
    _problem(http.post("/hooks/nope", data=b"{}", content_type="application/json"), 404,
             "unknown-source")


def test_wrong_method_is_405_with_allow(http):
    answer = http.get("/hooks/stripe")
    _problem(answer, 405, "method-not-allowed")
    assert "POST" in answer.headers["Allow"]


@pytest.mark.parametrize("ctype", ["image/png", "multipart/form-data; boundary=x", None,
                                   "application/octet-stream"])
def test_other_content_types_are_415(http, redis_client, ctype):
    headers = {"Content-Type": ctype} if ctype else {}
    answer = http.post("/hooks/bearer", data=b"x", headers={**BEARER, **headers})
    _problem(answer, 415, "unsupported-media-type")
    assert stored_keys(redis_client) == []


@pytest.mark.parametrize("ctype", ["application/json", "application/json; charset=utf-8",
                                   "application/cloudevents+json", "text/plain", "text/xml",
                                   "application/xml", "application/x-www-form-urlencoded"])
def test_json_form_text_and_xml_are_kept_raw(http, redis_client, ctype):
    body = b"\xef\xbb\xbf<not json> \x00\xff" + uuid.uuid4().bytes
    answer = http.post("/hooks/bearer", data=body, headers={**BEARER, "Content-Type": ctype})
    assert answer.status_code == 202
    stored = json.loads(redis_client.hget(f"{PREFIX}:ev:{answer.get_json()['id']}", "envelope"))
    assert base64.b64decode(stored["body"]) == body


def test_declared_body_over_the_limit_is_413_before_reading(http, redis_client):
    answer = http.post("/hooks/small", data=b"x" * 101,
                       headers={**BEARER, "Content-Type": "application/json"})
    assert _problem(answer, 413, "body-too-large")["max_bytes"] == 100
    assert answer.headers["Connection"] == "close"
    assert http.post("/hooks/small", data=b"x" * 100,
                     headers={**BEARER, "Content-Type": "text/plain"}).status_code == 202


def test_allowlist_with_one_trusted_proxy_hop(http, redis_client):
    def send(peer: str, forwarded: str | None = None):
        headers = {"X-Forwarded-For": forwarded} if forwarded else {}
        return http.post("/hooks/office", data=_json(), content_type="application/json",
                         headers=headers, environ_base={"REMOTE_ADDR": peer})
    assert send("192.0.2.1", "10.9.8.7").status_code == 202          # proxy says 10.x
    assert send("192.0.2.1", "10.9.8.7, 2001:db8::5").status_code == 202
    _problem(send("192.0.2.1", "10.9.8.7, 203.0.113.9"), 403, "ip-not-allowed")
    _problem(send("10.0.0.1"), 403, "ip-not-allowed")                # no header: the peer
    _problem(send("192.0.2.1", "not-an-ip"), 403, "ip-not-allowed")
    assert accepted(redis_client) == 2


def test_rate_limit_is_429_with_retry_after_and_stores_nothing(http, redis_client):
    send = lambda: http.post("/hooks/limited", data=_json(), content_type="application/json",  # noqa: E731
                             headers=BEARER)
    assert [send().status_code for _ in range(2)] == [202, 202]
    answer = send()
    _problem(answer, 429, "rate-limited")
    assert 1 <= int(answer.headers["Retry-After"]) <= 2
    assert accepted(redis_client) == 2
    assert send().status_code == 202 if _wait(2.05) else False


def _wait(seconds: float) -> bool:
    time.sleep(seconds)
    return True


def test_global_rate_limit_spans_sources(redis_url, redis_client, tmp_path):
    app = create_app(make_config(redis_url, tmp_path / "g", "[ingress]\nrate_per_s = 0.2\n"
                                 "burst = 3\n"))
    http = app.test_client()
    codes = [http.post(f"/hooks/{kind}", data=_json(), content_type="application/json",
                       headers=BEARER if kind == "bearer" else
                       {"X-API-Key": SECRETS["apikey"]}).status_code
             for kind in ("bearer", "apikey", "bearer", "apikey")]
    assert codes == [202, 202, 202, 429]
    app.extensions["hookmaker"].redis.close()


def test_duplicate_answers_200_with_the_original_id_and_is_counted(http, redis_client):
    body = _json()
    first = http.post("/hooks/bearer", data=body, content_type="application/json",
                      headers=BEARER)
    second = http.post("/hooks/bearer", data=body, content_type="application/json",
                       headers=BEARER)
    assert first.status_code == 202 and second.status_code == 200
    assert second.get_json() == {"id": first.get_json()["id"], "duplicate": True}
    counts = redis_client.hgetall(f"{PREFIX}:counts")
    assert counts[b"accepted"] == b"1" and counts[b"duplicates_at_ingress"] == b"1"
    assert redis_client.llen("hookmaker") == 1, "one wake-up, not two"


def test_static_reply_for_accepted_and_duplicate(http, redis_client):
    body = _json()
    for _ in range(2):
        answer = http.post("/hooks/twiml", data=body, content_type="application/json",
                           headers=BEARER)
        assert answer.status_code == 200 and answer.data == b"<Response></Response>"
        assert answer.content_type == "text/xml"
    assert accepted(redis_client) == 1


def _slack(http, body: bytes, ctype: str = "application/json"):
    stamp = str(int(time.time()))
    digest = hmac.new(SECRETS["slack"].encode(), f"v0:{stamp}:".encode() + body,
                      hashlib.sha256).hexdigest()
    return http.post("/hooks/slack", data=body, content_type=ctype,
                     headers={"X-Slack-Request-Timestamp": stamp,
                              "X-Slack-Signature": f"v0={digest}"})


def test_slack_url_verification_echoes_the_challenge(http, redis_client):
    body = json.dumps({"token": "t", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
                       "type": "url_verification"}).encode()
    answer = _slack(http, body)
    assert answer.status_code == 200
    assert answer.data == b"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"
    assert stored_keys(redis_client) == []


def test_slack_url_verification_unsigned_is_401(http):
    body = json.dumps({"challenge": "abc", "type": "url_verification"}).encode()
    answer = http.post("/hooks/slack", data=body, content_type="application/json")
    assert answer.status_code == 401


def test_slack_ssl_check_is_200_even_unsigned_and_stores_nothing(http, redis_client):
    answer = http.post("/hooks/slack", data=b"ssl_check=1&token=abc",
                       content_type="application/x-www-form-urlencoded")
    assert answer.status_code == 200 and answer.data == b""
    assert stored_keys(redis_client) == []


def test_zoom_url_validation(http, redis_client):
    body = json.dumps({"event": "endpoint.url_validation",
                       "payload": {"plainToken": "qgg8vlvZRS6UYooatFL8Aw"}}).encode()
    stamp = str(int(time.time()))
    signature = hmac.new(SECRETS["zoom"].encode(), f"v0:{stamp}:".encode() + body,
                         hashlib.sha256).hexdigest()
    answer = http.post("/hooks/zoom", data=body, content_type="application/json",
                       headers={"x-zm-request-timestamp": stamp,
                                "x-zm-signature": f"v0={signature}"})
    assert answer.status_code == 200
    expected = hmac.new(SECRETS["zoom"].encode(), b"qgg8vlvZRS6UYooatFL8Aw",
                        hashlib.sha256).hexdigest()
    assert answer.get_json() == {"plainToken": "qgg8vlvZRS6UYooatFL8Aw",
                                 "encryptedToken": expected}
    assert stored_keys(redis_client) == []


def test_github_ping_is_200_and_not_routed(http, redis_client):
    body = json.dumps({"zen": "Keep it logically awesome.", "hook_id": 1}).encode()
    digest = hmac.new(SECRETS["github"].encode(), body, hashlib.sha256).hexdigest()
    answer = http.post("/hooks/github", data=body, content_type="application/json",
                       headers={"X-Hub-Signature-256": f"sha256={digest}",
                                "X-GitHub-Event": "ping", "X-GitHub-Delivery": "d-1"})
    assert answer.status_code == 200
    assert stored_keys(redis_client) == []


def test_request_id_is_echoed_when_sane_and_made_otherwise(http):
    assert http.get("/healthz", headers={"X-Request-Id": "abc-123"}) \
        .headers["X-Request-Id"] == "abc-123"
    made = http.get("/healthz", headers={"X-Request-Id": "bad id\x7f" * 20})
    assert made.headers["X-Request-Id"] and "bad" not in made.headers["X-Request-Id"]


def test_health_ready_and_openapi(http):
    assert http.get("/healthz").get_json() == {"status": "ok"}
    assert http.get("/readyz").get_json() == {"status": "ready"}
    served = http.get("/openapi.json").get_json()
    assert served == document() and served["openapi"] == "3.1.0"
    enum = served["components"]["schemas"]["Problem"]["properties"]["type"]["enum"]
    assert len(enum) == len(PROBLEMS)
