"""Published test vectors from SIGNATURES.md §4 (providers' own docs and SDK tests)."""

from __future__ import annotations

import pytest
from verifier_helpers import request

from ingress.verifiers import SignatureMismatch, TimestampOutOfRange, get_verifier

GITHUB_SECRET = "It's a Secret to Everybody"
GITHUB_SIGNATURE = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"

SLACK_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
SLACK_TS = 1531420618
SLACK_BODY = (
    b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V"
    b"&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text="
    b"&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfm"
    b"ibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c")
SLACK_SIGNATURE = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"

TWILIO_URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
TWILIO_PARAMS = {"CallSid": "CA1234567890ABCDE", "Caller": "+12349013030", "Digits": "1234",
                 "From": "+12349013030", "To": "+18005551212"}
TWILIO_SIGNATURE = "0/KCTR6DLpKmkAf8muzZqo1nDgQ="

STANDARD_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
STANDARD_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
STANDARD_TS = 1614265330
STANDARD_BODY = b'{"test": 2432232314}'
STANDARD_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

SQUARE_KEY = "Ibxx_5AKakO-3qeNVR61Dw"
SQUARE_URL = "https://webhook.site/679a4f3a-dcfa-49ee-bac5-9d0edad886b9"
SQUARE_BODY = (
    b'{"merchant_id":"MLEFBHHSJGVHD","type":"webhooks.test_notification","event_id":"ac3ac95b-f97d'
    b'-458c-a6e6-18981597e05f","created_at":"2022-07-13T20:30:59.037339943Z","data":{"type":"webh'
    b'ooks","id":"bc368e64-01aa-407e-b46e-3231809b1129"}}')
SQUARE_SIGNATURE = "GF4YkrJgGBDZ9NIYbNXBnMzqb2HoL4RW/S6vkZ9/2N4="

PADDLE_SECRET = "pdl_ntf_01hbpjmytsa32fhr36nqgc3kgb_WvRO0eL4Bj9rgYYIBZY6wZhG4EHy9jzh"
PADDLE_HEADER = ("ts=1696195954;h1=dummy;"
                 "h1=d96299976a6eb066f484d7fde011ac56fc32b38fc9940bc419d6e537fdc6ef02")


def check(kind, req, secret, now, raw_options=None):
    verifier = get_verifier(kind)
    verifier.verify(req, [secret], verifier.parse_options(raw_options or {}), now)


def test_github_vector():
    req = request({"X-Hub-Signature-256": GITHUB_SIGNATURE}, b"Hello, World!")
    check("github", req, GITHUB_SECRET, 0)
    sign = get_verifier("github").sign(b"Hello, World!", GITHUB_SECRET, 0,
                                       get_verifier("github").parse_options({}))
    assert sign["X-Hub-Signature-256"] == GITHUB_SIGNATURE


def test_slack_vector():
    headers = {"X-Slack-Signature": SLACK_SIGNATURE, "X-Slack-Request-Timestamp": str(SLACK_TS)}
    req = request(headers, SLACK_BODY, content_type="application/x-www-form-urlencoded")
    check("slack", req, SLACK_SECRET, SLACK_TS + 10)
    with pytest.raises(TimestampOutOfRange):
        check("slack", req, SLACK_SECRET, SLACK_TS + 301)
    with pytest.raises(SignatureMismatch):
        check("slack", req, SLACK_SECRET + "x", SLACK_TS)


def test_twilio_vector_with_parsed_form():
    req = request({"X-Twilio-Signature": TWILIO_SIGNATURE}, b"", url=TWILIO_URL,
                  form=TWILIO_PARAMS)
    check("twilio", req, "12345", 0)
    with pytest.raises(SignatureMismatch):
        check("twilio", req, "54321", 0)


def test_twilio_vector_from_raw_form_body():
    body = "&".join(f"{k}={v}" for k, v in TWILIO_PARAMS.items()).replace("+", "%2B").encode()
    req = request({"X-Twilio-Signature": TWILIO_SIGNATURE}, body, url=TWILIO_URL,
                  content_type="application/x-www-form-urlencoded")
    check("twilio", req, "12345", 0)
    verifier = get_verifier("twilio")
    assert verifier.sign(body, "12345", 0, verifier.parse_options({}), url=TWILIO_URL) == {
        "X-Twilio-Signature": TWILIO_SIGNATURE}


def test_twilio_vector_with_explicit_port():
    req = request({"X-Twilio-Signature": TWILIO_SIGNATURE}, b"",
                  url="https://mycompany.com:443/myapp.php?foo=1&bar=2", form=TWILIO_PARAMS)
    check("twilio", req, "12345", 0)


@pytest.mark.parametrize("prefix", ["webhook", "svix"])
def test_standard_webhooks_vector(prefix):
    headers = {f"{prefix}-id": STANDARD_ID, f"{prefix}-timestamp": str(STANDARD_TS),
               f"{prefix}-signature": STANDARD_SIGNATURE}
    check("standard", request(headers, STANDARD_BODY), STANDARD_SECRET, STANDARD_TS)
    with pytest.raises(TimestampOutOfRange):
        check("standard", request(headers, STANDARD_BODY), STANDARD_SECRET, STANDARD_TS + 301)
    with pytest.raises(TimestampOutOfRange):
        check("standard", request(headers, STANDARD_BODY), STANDARD_SECRET, STANDARD_TS - 301)


def test_standard_webhooks_sign_reproduces_vector():
    verifier = get_verifier("standard")
    headers = verifier.sign(STANDARD_BODY, STANDARD_SECRET, STANDARD_TS,
                            verifier.parse_options({}), msg_id=STANDARD_ID)
    assert headers["webhook-signature"] == STANDARD_SIGNATURE


def test_square_vector():
    req = request({"x-square-hmacsha256-signature": SQUARE_SIGNATURE}, SQUARE_BODY, url=SQUARE_URL)
    check("square", req, SQUARE_KEY, 0)
    moved = request({"x-square-hmacsha256-signature": SQUARE_SIGNATURE}, SQUARE_BODY,
                    url="http://10.0.0.5:8080/in/square")
    with pytest.raises(SignatureMismatch):
        check("square", moved, SQUARE_KEY, 0)
    check("square", moved, SQUARE_KEY, 0, {"url": SQUARE_URL})


def test_paddle_vector_with_dummy_entry():
    req = request({"Paddle-Signature": PADDLE_HEADER}, b"hello-world")
    check("paddle", req, PADDLE_SECRET, 1696195954 + 5)
    with pytest.raises(TimestampOutOfRange):
        check("paddle", req, PADDLE_SECRET, 1696195954 + 6)
    with pytest.raises(SignatureMismatch):
        check("paddle", request({"Paddle-Signature": PADDLE_HEADER}, b"hello-world!"),
              PADDLE_SECRET, 1696195954)
