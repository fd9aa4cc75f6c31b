"""Every default in one place. Units are in the names."""

from __future__ import annotations

DEFAULT_CONFIG_ENV = "HOOKMAKER_CONFIG"
DEFAULT_CONFIG_PATHS = ("hookmaker.toml", "examples/hookmaker.toml")

# Redis
DEFAULT_REDIS_PREFIX = "hookmaker"
DEFAULT_REDIS_SOCKET_TIMEOUT_S = 1.0
DEFAULT_REDIS_CONNECT_TIMEOUT_S = 1.0
DEFAULT_REDIS_MAX_CONNECTIONS = 50
DEFAULT_REDIS_WAIT_TIMEOUT_MS = 200        # [redis] wait_replicas: longest wait before a 2xx

# Ingress
DEFAULT_MAX_BODY_BYTES = 1024 * 1024
DEFAULT_RETRY_AFTER_S = 5
DEFAULT_INGRESS_WORKERS = 2
DEFAULT_INGRESS_THREADS = 4
DEFAULT_INGRESS_PORT = 8080

# Event store and worker
DEFAULT_RETENTION_S = 7 * 24 * 3600        # also the dedupe window
DEFAULT_LEASE_S = 180                      # an in-progress event is re-offered after this
                                           # (longer than a task may run: 120 s hard limit)
DEFAULT_VISIBILITY_TIMEOUT_S = 3600        # the broker redelivers an unacked message after
DEFAULT_RECONCILE_INTERVAL_S = 2.0
DEFAULT_RECONCILE_GRACE_S = 2.0            # a received event is "overdue" after this
DEFAULT_RECONCILE_BATCH = 500
DEFAULT_MAX_ATTEMPTS = 10
DEFAULT_MAX_AGE_S = 3 * 24 * 3600
DEFAULT_BACKOFF_BASE_S = 1.0
DEFAULT_BACKOFF_CAP_S = 600.0
DEFAULT_QUEUE = "hookmaker"

# FileMaker
DEFAULT_FM_MAX_SESSIONS = 2
DEFAULT_FM_RATE_PER_S = 20.0
DEFAULT_FM_MAX_IN_FLIGHT = 4
DEFAULT_FM_CONNECT_TIMEOUT_S = 3.0
DEFAULT_FM_READ_TIMEOUT_S = 30.0
DEFAULT_FM_TOKEN_IDLE_S = 14 * 60          # FileMaker expires a token after 15 idle minutes
DEFAULT_FM_VERSION = "vLatest"

# Inbox action: field names of the record that holds a raw event
DEFAULT_INBOX_FIELDS = {
    "event_id": "EventId",
    "source": "Source",
    "event_type": "EventType",
    "received_at": "ReceivedAt",
    "payload": "Payload",
    "headers": "Headers",
    "route": "Route",
}

# --- FileMaker client (shared/filemaker: http, sessions, actions) ---
DEFAULT_FM_HICCUP_ATTEMPTS = 3             # tries per request when the connection hiccups
DEFAULT_FM_LOGIN_TIMEOUT_S = 10.0          # read timeout of a login; bounds the login lock
DEFAULT_FM_LEASE_MARGIN_S = 5.0            # a checked-out token's lease: timeouts + this
DEFAULT_FM_ACQUIRE_WAIT_S = 5.0            # wait this long for a free session, then Unavailable
DEFAULT_FM_POOL_BUSY_DELAY_S = 1.0         # the Unavailable delay when every session is busy
DEFAULT_FM_MAX_URL_CHARS = 2000            # Claris: keep URIs under 2000 characters
DEFAULT_FM_FIND_LIMIT = 2                  # lookups by key: 2 tells "one" from "several"
# --- end FileMaker client ---
