"""Per-provider details: header parsing, skipped schemes, URLs, legacy modes."""

from __future__ import annotations

import hashlib

import pytest
from verifier_helpers import (JSON_BODY, NOW, SECRET, STANDARD_SECRET, STANDARD_WRONG, URL,
                              WRONG, request, signed)
from werkzeug.datastructures import Headers, MultiDict

from ingress.verifiers import (MalformedSignature, MissingSignature, SignatureMismatch,
                               get_verifier)
from ingress.verifiers.crypto import hex_hmac
from ingress.verifiers.standard import signature_for


def run(kind, headers, body=JSON_BODY, secrets=(SECRET,), raw=None, now=NOW, **kw):
    verifier = get_verifier(kind)
    verifier.verify(request(headers, body, **kw), list(secrets), verifier.parse_options(raw or {}),
                    now)


# --- Stripe -------------------------------------------------------------------------------

def stripe_sig(secret, ts=int(NOW), body=JSON_BODY):
    return hex_hmac(secret.encode(), f"{ts}.".encode() + body)


def test_stripe_skips_v0_and_accepts_any_v1():
    header = f"t={int(NOW)},v0=deadbeef,v1={stripe_sig(WRONG)},v1={stripe_sig(SECRET)},v9=x"
    run("stripe", {"Stripe-Signature": header})


def test_stripe_key_is_whole_whsec_string():
    secret = "whsec_abc123"
    header = f"t={int(NOW)},v1={stripe_sig(secret)}"
    run("stripe", {"Stripe-Signature": header}, secrets=[secret])


@pytest.mark.parametrize("header", [f"v1={'0' * 64}", f"t=abc,v1={'0' * 64}", "t=1700000000",
                                    "t=1700000000,v0=abc", "garbage", f"t=-5,v1={'0' * 64}"])
def test_stripe_malformed_headers(header):
    with pytest.raises(MalformedSignature) as info:
        run("stripe", {"Stripe-Signature": header})
    assert info.value.reason == "malformed-signature"


# --- GitHub -------------------------------------------------------------------------------

def test_github_wrong_prefix_is_malformed():
    with pytest.raises(MalformedSignature):
        run("github", {"X-Hub-Signature-256": hex_hmac(SECRET.encode(), JSON_BODY)})


def test_github_sha1_only_with_option():
    req, options = signed("github")
    legacy = {"X-Hub-Signature": req.headers["X-Hub-Signature"]}
    with pytest.raises(MissingSignature):
        run("github", legacy)
    run("github", legacy, raw={"allow_sha1": True})


def test_github_uppercase_hex_and_werkzeug_headers():
    req, _ = signed("github")
    value = "sha256=" + req.headers["X-Hub-Signature-256"][7:].upper()
    run("github", Headers([("x-hub-signature-256", value)]))


# --- Slack / Zoom ---------------------------------------------------------------------------

@pytest.mark.parametrize("kind,sig,ts", [
    ("slack", "X-Slack-Signature", "X-Slack-Request-Timestamp"),
    ("zoom", "x-zm-signature", "x-zm-request-timestamp"),
])
def test_v0_malformed(kind, sig, ts):
    req, _ = signed(kind)
    good = dict(req.headers)
    with pytest.raises(MalformedSignature):
        run(kind, {**good, sig: "v1=" + good[sig][3:]})
    with pytest.raises(MalformedSignature):
        run(kind, {**good, ts: "12.5"})
    with pytest.raises(MalformedSignature):
        run(kind, {**good, ts: "١٢٣"})  # non-ASCII digits are not a timestamp
    with pytest.raises(MissingSignature):
        run(kind, {sig: good[sig]})


# --- Standard Webhooks --------------------------------------------------------------------

def sw_headers(prefix, secret=STANDARD_SECRET, msg="msg_1", ts=int(NOW), extra=""):
    sig = f"{extra}v1,{signature_for(secret, msg, ts, JSON_BODY)}"
    return {f"{prefix}-id": msg, f"{prefix}-timestamp": str(ts), f"{prefix}-signature": sig}


def test_standard_skips_v1a_and_accepts_any_v1():
    stale = signature_for(STANDARD_WRONG, "msg_1", int(NOW), JSON_BODY)
    headers = sw_headers("webhook", extra=f"v1a,AAAA v1,{stale} ")
    run("standard", headers, secrets=[STANDARD_SECRET])


def test_standard_only_v1a_is_malformed():
    headers = sw_headers("webhook")
    headers["webhook-signature"] = "v1a,AAAA v2,BBBB"
    with pytest.raises(MalformedSignature):
        run("standard", headers, secrets=[STANDARD_SECRET])


def test_svix_headers_win_over_webhook_headers():
    headers = {**sw_headers("webhook", msg="other"), **sw_headers("svix")}
    headers["webhook-signature"] = "v1,bogus"
    run("standard", headers, secrets=[STANDARD_SECRET])


def test_standard_secret_without_prefix_and_partial_headers():
    run("standard", sw_headers("webhook"), secrets=[STANDARD_SECRET.removeprefix("whsec_")])
    partial = sw_headers("svix")
    del partial["svix-id"]
    with pytest.raises(MissingSignature) as info:
        run("standard", partial, secrets=[STANDARD_SECRET])
    assert "svix-id" in str(info.value)


# --- Twilio ---------------------------------------------------------------------------------

def test_twilio_repeated_params_from_multidict():
    verifier = get_verifier("twilio")
    body = b"A=2&A=1&B=x"
    headers = verifier.sign(body, SECRET, NOW, verifier.parse_options({}), url=URL)
    form = MultiDict([("A", "2"), ("A", "1"), ("B", "x")])
    run("twilio", headers, body=body, form=form)


def test_twilio_json_body_uses_body_sha256():
    digest = hashlib.sha256(JSON_BODY).hexdigest()
    url = f"https://hooks.example.com/in/tw?bodySHA256={digest}"
    verifier = get_verifier("twilio")
    headers = verifier.sign(JSON_BODY, SECRET, NOW, verifier.parse_options({}), url=url)
    run("twilio", headers, url=url)
    with pytest.raises(SignatureMismatch):
        run("twilio", headers, body=JSON_BODY + b" ", url=url)


def test_twilio_sha256_rule_and_public_url():
    raw = {"algorithm": "sha256", "url": "https://public.example.com/in/tw"}
    verifier = get_verifier("twilio")
    options = verifier.parse_options(raw)
    body = b"A=1"
    headers = verifier.sign(body, SECRET, NOW, options, url="https://public.example.com/in/tw?q=1")
    run("twilio", headers, body=body, raw=raw, url="http://127.0.0.1:8000/in/tw?q=1",
        content_type="application/x-www-form-urlencoded")


def test_twilio_hostile_url_does_not_crash():
    with pytest.raises(SignatureMismatch):
        run("twilio", {"X-Twilio-Signature": "abc"}, url="http://[::1/x?bodySHA256=zz")


# --- Paddle ---------------------------------------------------------------------------------

def test_paddle_ignores_unknown_keys():
    sig = hex_hmac(SECRET.encode(), f"{int(NOW)}:".encode() + JSON_BODY)
    run("paddle", {"Paddle-Signature": f"h2=zzz;ts={int(NOW)};x;h1={sig}"})


@pytest.mark.parametrize("header", ["h1=abc", "ts=1;h2=abc", "ts=;h1=abc", ""])
def test_paddle_malformed_or_missing(header):
    with pytest.raises((MalformedSignature, MissingSignature)):
        run("paddle", {"Paddle-Signature": header})


# --- HubSpot --------------------------------------------------------------------------------

def test_hubspot_timestamp_is_milliseconds():
    req, options = signed("hubspot")
    assert req.headers["X-HubSpot-Request-Timestamp"] == str(int(NOW * 1000))
    get_verifier("hubspot").verify(req, [SECRET], options, NOW + 299)


def test_hubspot_accepts_decoded_uri_form():
    encoded = "https://hooks.example.com/in/hs?email=a%40b.com"
    verifier = get_verifier("hubspot")
    headers = verifier.sign(JSON_BODY, SECRET, NOW, verifier.parse_options({}), url=encoded)
    run("hubspot", headers, url=encoded)


def test_hubspot_method_is_signed():
    req, options = signed("hubspot")
    with pytest.raises(SignatureMismatch):
        run("hubspot", dict(req.headers), method="PUT")


# --- Square ---------------------------------------------------------------------------------

def test_square_url_must_match():
    req, _ = signed("square")
    with pytest.raises(SignatureMismatch):
        run("square", dict(req.headers), url=URL + "&y=2")
