"""Paddle Billing: ``Paddle-Signature: ts=<unix>;h1=<hex>[;h1=<hex>…]`` over ``"{ts}:{body}"``.

HMAC-SHA256 keyed with the notification secret string as-is. Unknown keys in the header are
ignored (the Python SDK fails on them; a future ``h2`` must not break us). Like the SDK, only
old timestamps are rejected, with a 5-second default tolerance.
"""

from __future__ import annotations

from .defaults import DEFAULT_PADDLE_TOLERANCE_S
from .timestamped import TimestampedHmacVerifier

VERIFIER = TimestampedHmacVerifier(
    kind="paddle", header="Paddle-Signature", separator=";", timestamp_key="ts", scheme="h1",
    glue=":", default_tolerance_s=DEFAULT_PADDLE_TOLERANCE_S)
