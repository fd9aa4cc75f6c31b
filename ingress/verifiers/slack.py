"""Slack: ``X-Slack-Signature: v0=<hex>`` over ``"v0:{ts}:{raw body}"``.

The timestamp is ``X-Slack-Request-Timestamp``; like slack_sdk, 300 s in both directions.
Form bodies (slash commands, interactivity) are signed as raw bytes too.
"""

from __future__ import annotations

from .defaults import DEFAULT_SLACK_TOLERANCE_S
from .v0 import V0Options as SlackOptions
from .v0 import V0Verifier

__all__ = ["SlackOptions", "VERIFIER"]

VERIFIER = V0Verifier("slack", "X-Slack-Signature", "X-Slack-Request-Timestamp",
                      DEFAULT_SLACK_TOLERANCE_S)
