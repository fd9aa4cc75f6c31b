"""Default values for every verifier option, in one place.

A tolerance of ``0`` switches the timestamp check off. Units are in the names.
"""

from __future__ import annotations

DEFAULT_STRIPE_TOLERANCE_S = 300  # stripe-python DEFAULT_TOLERANCE; rejects only old timestamps
DEFAULT_SLACK_TOLERANCE_S = 300  # slack_sdk: abs(now - ts) > 5 minutes
DEFAULT_STANDARD_TOLERANCE_S = 300  # standardwebhooks: 5 minutes, past and future
DEFAULT_PADDLE_TOLERANCE_S = 5  # Paddle SDK maximum_variance; rejects only old timestamps
DEFAULT_HUBSPOT_TOLERANCE_S = 300  # hubspot-api-client MAX_ALLOWED_TIMESTAMP; old only
DEFAULT_ZOOM_TOLERANCE_S = 0  # Zoom documents no tolerance and Rivet checks none
DEFAULT_HMAC_TOLERANCE_S = 300  # generic HMAC with a timestamp: both directions

DEFAULT_GITHUB_ALLOW_SHA1 = False
DEFAULT_TWILIO_ALGORITHM = "sha1"

DEFAULT_HMAC_HEADER = "X-Signature"
DEFAULT_HMAC_ALGORITHM = "sha256"
DEFAULT_HMAC_ENCODING = "hex"
DEFAULT_HMAC_PREFIX = ""
DEFAULT_HMAC_SIGNED = "body"

DEFAULT_APIKEY_HEADER = "X-API-Key"
DEFAULT_BEARER_HEADER = "Authorization"
