"""Zoom: ``x-zm-signature: v0=<hex>`` over ``"v0:{ts}:{raw body}"`` with the Secret Token.

The timestamp is ``x-zm-request-timestamp``. Zoom documents no tolerance, so the check is off
by default; set ``tolerance_s`` to enforce one (both directions).
"""

from __future__ import annotations

from .defaults import DEFAULT_ZOOM_TOLERANCE_S
from .v0 import V0Options as ZoomOptions
from .v0 import V0Verifier

__all__ = ["ZoomOptions", "VERIFIER"]

VERIFIER = V0Verifier("zoom", "x-zm-signature", "x-zm-request-timestamp",
                      DEFAULT_ZOOM_TOLERANCE_S)
