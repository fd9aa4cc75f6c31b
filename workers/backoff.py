"""Retry delays: exponential backoff with full jitter. Pure."""

from __future__ import annotations

import random


def full_jitter(attempt: int, *, base_s: float, cap_s: float,
                rng: random.Random | None = None) -> float:
    """A delay drawn uniformly from [0, min(cap, base * 2**attempt)].

    ``attempt`` counts from 0 (the first retry). Full jitter spreads a crowd of retries
    evenly instead of sending them back together.
    """
    ceiling = min(cap_s, base_s * (2 ** min(attempt, 32)))
    return (rng or random).uniform(0, ceiling)
