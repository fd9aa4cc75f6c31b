"""The configurable HMAC, the static-credential schemes, ``none`` and the registry."""

from __future__ import annotations

import base64
import dataclasses

import pytest
from verifier_helpers import JSON_BODY, NOW, SECRET, WRONG, request

from ingress.verifiers import (VERIFIERS, BadCredentials, MalformedSignature, MissingSignature,
                               SignatureMismatch, Verifier, get_verifier)
from ingress.verifiers.defaults import DEFAULT_APIKEY_HEADER, DEFAULT_HMAC_HEADER
from shared.errors import ConfigError, Invalid

ALL_KINDS = ("stripe github slack shopify standard twilio zoom square paddle hubspot hmac "
             "apikey basic bearer none").split()


def roundtrip(kind, raw, *, body=JSON_BODY, secret=SECRET, mutate=None, secrets=None, **kw):
    verifier = get_verifier(kind)
    options = verifier.parse_options(raw)
    headers = verifier.sign(body, secret, NOW, options, msg_id="id-1")
    if mutate:
        headers = mutate(headers)
    verifier.verify(request(headers, body, **kw), secrets or [SECRET], options, NOW)
    return headers


# --- registry -------------------------------------------------------------------------------

def test_registry_has_exactly_the_kinds():
    assert sorted(VERIFIERS) == sorted(ALL_KINDS)
    for kind, verifier in VERIFIERS.items():
        assert verifier.kind == kind
        assert isinstance(verifier, Verifier)
        assert verifier.requires_allowlist is (kind == "none")


def test_unknown_kind_lists_known_ones():
    with pytest.raises(ConfigError) as info:
        get_verifier("paypal")
    assert "paypal" in str(info.value) and "stripe" in str(info.value)


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_defaults_parse_and_unknown_keys_are_named(kind):
    options = get_verifier(kind).parse_options({})
    assert dataclasses.is_dataclass(options)
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(options, "anything", 1)
    with pytest.raises(ConfigError) as info:
        get_verifier(kind).parse_options({"tolerence_s": 5})
    assert "tolerence_s" in str(info.value)


@pytest.mark.parametrize("kind", [k for k in ALL_KINDS if k != "none"])
def test_no_secret_is_a_config_error(kind):
    verifier = get_verifier(kind)
    with pytest.raises(ConfigError):
        verifier.verify(request({}, b"{}"), [], verifier.parse_options({}), NOW)


def test_verification_failed_is_invalid():
    assert issubclass(MissingSignature, Invalid)


@pytest.mark.parametrize("raw,key", [({"tolerance_s": -1}, "tolerance_s"),
                                      ({"tolerance_s": True}, "tolerance_s"),
                                      ({"tolerance_s": "300"}, "tolerance_s"),
                                      ({"tolerance_s": float("nan")}, "tolerance_s")])
def test_bad_tolerance_is_named(raw, key):
    with pytest.raises(ConfigError) as info:
        get_verifier("stripe").parse_options(raw)
    assert key in str(info.value)


# --- generic HMAC ---------------------------------------------------------------------------

@pytest.mark.parametrize("raw", [
    {},
    {"algorithm": "sha1", "encoding": "base64"},
    {"algorithm": "sha512", "prefix": "sha512=", "header": "X-Hook-Sig"},
    {"signed": "{timestamp}.{body}", "timestamp_header": "X-Ts"},
    {"signed": "{id}:{timestamp}:{body}:end", "timestamp_header": "X-Ts", "id_header": "X-Id"},
])
def test_hmac_roundtrips(raw):
    roundtrip("hmac", raw)


def test_hmac_defaults():
    options = get_verifier("hmac").parse_options({})
    assert options.header == DEFAULT_HMAC_HEADER == "X-Signature"
    assert (options.algorithm, options.encoding, options.prefix) == ("sha256", "hex", "")


def test_hmac_hex_case_insensitive_and_prefix_required():
    raw = {"prefix": "sha256="}
    roundtrip("hmac", raw, mutate=lambda h: {k: "sha256=" + v[7:].upper() for k, v in h.items()})
    with pytest.raises(MalformedSignature):
        roundtrip("hmac", raw, mutate=lambda h: {k: v[7:] for k, v in h.items()})


def test_hmac_missing_timestamp_header():
    raw = {"signed": "{timestamp}.{body}", "timestamp_header": "X-Ts"}
    with pytest.raises(MissingSignature) as info:
        roundtrip("hmac", raw, mutate=lambda h: {k: v for k, v in h.items() if k != "X-Ts"})
    assert "X-Ts" in str(info.value)


def test_hmac_timestamp_is_signed():
    raw = {"signed": "{timestamp}.{body}", "timestamp_header": "X-Ts"}
    with pytest.raises(SignatureMismatch):
        roundtrip("hmac", raw, mutate=lambda h: {**h, "X-Ts": str(int(NOW) + 1)})


@pytest.mark.parametrize("raw,key", [
    ({"algorithm": "md5"}, "algorithm"),
    ({"encoding": "base32"}, "encoding"),
    ({"header": ""}, "header"),
    ({"header": 5}, "header"),
    ({"prefix": 1}, "prefix"),
    ({"signed": "{timestamp}.{body}"}, "timestamp_header"),
    ({"signed": "{id}.{body}"}, "id_header"),
    ({"signed": "{nonce}.{body}"}, "signed"),
    ({"signed": "{timestamp}"}, "signed"),
    ({"signed": "{body}{body}"}, "signed"),
    ({"signed": "{body}}"}, "signed"),
    ({"timestamp_header": "X-Ts"}, "timestamp_header"),
    ({"headr": "X"}, "headr"),
])
def test_hmac_option_errors_name_the_key(raw, key):
    with pytest.raises(ConfigError) as info:
        get_verifier("hmac").parse_options(raw)
    assert key in str(info.value)


# --- apikey / basic / bearer / none ---------------------------------------------------------

def test_apikey_header_default_and_rotation():
    assert get_verifier("apikey").parse_options({}).header == DEFAULT_APIKEY_HEADER
    roundtrip("apikey", {}, secrets=[WRONG, SECRET])
    with pytest.raises(BadCredentials) as info:
        roundtrip("apikey", {}, secret=WRONG)
    assert info.value.reason == "bad-credentials" and WRONG not in str(info.value)


def test_apikey_query():
    verifier = get_verifier("apikey")
    options = verifier.parse_options({"query": "token"})
    assert verifier.sign(b"", SECRET, NOW, options) == {}
    verifier.verify(request({}, b"", query={"token": SECRET}), [SECRET], options, NOW)
    with pytest.raises(MissingSignature):
        verifier.verify(request({"X-API-Key": SECRET}, b""), [SECRET], options, NOW)
    with pytest.raises(BadCredentials):
        verifier.verify(request({}, b"", query={"token": WRONG}), [SECRET], options, NOW)


def test_apikey_header_and_query_are_exclusive():
    with pytest.raises(ConfigError) as info:
        get_verifier("apikey").parse_options({"header": "X-K", "query": "k"})
    assert "query" in str(info.value)


def test_basic():
    roundtrip("basic", {}, secret="u:p", secrets=["other:x", "u:p"])
    with pytest.raises(BadCredentials):
        roundtrip("basic", {}, secret="u:q", secrets=["u:p"])


@pytest.mark.parametrize("value,error", [
    ("Bearer abc", MalformedSignature), ("Basic !!!", MalformedSignature),
    ("Basic " + base64.b64encode(b"nocolon").decode(), MalformedSignature),
    ("Basic", MalformedSignature), ("", MissingSignature),
])
def test_basic_malformed(value, error):
    verifier = get_verifier("basic")
    with pytest.raises(error):
        verifier.verify(request({"Authorization": value}, b""), ["u:p"], verifier.parse_options({}),
                        NOW)


def test_bearer():
    headers = roundtrip("bearer", {}, secrets=[WRONG, SECRET])
    assert headers == {"Authorization": f"Bearer {SECRET}"}
    roundtrip("bearer", {"header": "X-Token"})
    with pytest.raises(BadCredentials):
        roundtrip("bearer", {}, secret=WRONG)
    with pytest.raises(MalformedSignature):
        roundtrip("bearer", {}, mutate=lambda h: {"Authorization": SECRET})


def test_none_accepts_everything_and_needs_allowlist():
    verifier = get_verifier("none")
    assert verifier.requires_allowlist
    verifier.verify(request({}, b"\xff"), [], verifier.parse_options({}), NOW)
    assert verifier.sign(b"x", "", NOW, verifier.parse_options({})) == {}
