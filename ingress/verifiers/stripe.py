"""Stripe: ``Stripe-Signature: t=<ts>,v1=<hex>[,v1=<hex>…]`` over ``"{t}.{body}"``.

The key is the whole ``whsec_…`` string as UTF-8 (not base64-decoded). Only ``v1`` entries
are checked; ``v0`` and other schemes are skipped. Only old timestamps are rejected.
"""

from __future__ import annotations

from .defaults import DEFAULT_STRIPE_TOLERANCE_S
from .timestamped import TimestampedHmacVerifier

VERIFIER = TimestampedHmacVerifier(
    kind="stripe", header="Stripe-Signature", separator=",", timestamp_key="t", scheme="v1",
    glue=".", default_tolerance_s=DEFAULT_STRIPE_TOLERANCE_S)
