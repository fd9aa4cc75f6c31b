"""Property tests: hostile headers, bodies and URLs never raise anything but
VerificationFailed, and a signature made by ``sign`` always verifies."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from verifier_helpers import NOW, SIGNED_KINDS, secret_for, signed

from ingress.verifiers import SignedRequest, VerificationFailed, get_verifier

KINDS = sorted(SIGNED_KINDS) + ["apikey", "basic", "bearer"]
SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])

header_values = st.one_of(
    st.text(max_size=80),
    st.text(alphabet="tv01h=,; abcdef0123456789+/", max_size=80),
    st.from_regex(r"(t|ts)=[0-9]{1,12}[,;](v1|h1|v0)=[0-9a-f]{0,64}", fullmatch=True),
    st.from_regex(r"(v1|v1a),[A-Za-z0-9+/=]{0,50}( v1,[A-Za-z0-9+/=]{0,50})?", fullmatch=True),
    st.from_regex(r"(Basic|Bearer) [A-Za-z0-9+/=:]{0,40}", fullmatch=True),
)


@SETTINGS
@pytest.mark.parametrize("kind", KINDS)
@given(data=st.data(), body=st.binary(max_size=200), now=st.floats(0, 2e10))
def test_hostile_headers_only_raise_verification_failed(kind, data, body, now):
    req, options = signed(kind)
    headers = {name: data.draw(header_values) for name in req.headers}
    if data.draw(st.booleans()):
        headers[data.draw(st.text(min_size=1, max_size=20))] = data.draw(st.text(max_size=20))
    hostile = SignedRequest("POST", data.draw(st.one_of(st.just(req.url), st.text(max_size=60))),
                            headers, body, {}, None)
    try:
        get_verifier(kind).verify(hostile, [secret_for(kind)], options, now)
    except VerificationFailed:
        pass


@SETTINGS
@pytest.mark.parametrize("kind", sorted(SIGNED_KINDS))
@given(body=st.binary(max_size=300))
def test_any_body_signed_by_sign_verifies(kind, body):
    req, options = signed(kind, body=body)
    get_verifier(kind).verify(req, [secret_for(kind)], options, NOW)
