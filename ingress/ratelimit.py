"""Ingress rate limits as GCRA parameters; the check itself runs inside the accept script.

GCRA (the generic cell rate algorithm) keeps one number per limit in Redis: the theoretical
arrival time (TAT) of the next request. A request is allowed when ``TAT - tolerance <= now``;
it then moves the TAT one emission interval on. ``burst`` requests may arrive at once; after
that, one per ``1 / rate_per_s`` seconds. The accept script checks the source's limit and the
global one together, in the same atomic step (and round trip) as the store, with Redis's own
clock, so every ingress process on every host shares them exactly.
"""

from __future__ import annotations

import math

from shared.eventstore import RateLimit


def gcra(key: str, rate_per_s: float, burst: int = 0) -> RateLimit:
    """The limit for ``rate_per_s`` with ``burst`` requests allowed at once (0: one
    second's worth, at least 1)."""
    interval_us = max(1, round(1_000_000 / rate_per_s))
    size = burst if burst > 0 else max(1, math.ceil(rate_per_s))
    return RateLimit(key=key, interval_us=interval_us, tolerance_us=interval_us * (size - 1))


def retry_after_header(retry_after_s: float) -> int:
    """Whole seconds for ``Retry-After``: rounded up, at least 1."""
    return max(1, math.ceil(retry_after_s))
