"""The ingress's Redis client: pooled, short timeouts, and a bounded number of retries.

redis-py 6+ retries a failed command 10 times with backoff by default; behind an HTTP
request that turns "Redis is down" into a hang of several seconds. The ingress retries once,
only on a broken connection (a pooled socket that died with a Redis restart), never on a
timeout, so a 503 comes within about ``connect_timeout_s + socket_timeout_s``.
"""

from __future__ import annotations

import redis
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.retry import Retry

from shared.config import RedisSettings
from shared.errors import ConfigError


def connect_ingress(settings: RedisSettings) -> redis.Redis:
    """A pooled client for the ingress.

    Raises:
        ConfigError: no Redis URL is configured.
    """
    if not settings.url:
        raise ConfigError("redis.url: no Redis to talk to; set REDIS_URL or [redis] url")
    return redis.Redis.from_url(
        settings.url,
        socket_timeout=settings.socket_timeout_s,
        socket_connect_timeout=settings.connect_timeout_s,
        max_connections=settings.max_connections,
        health_check_interval=30,
        retry=Retry(NoBackoff(), 1, supported_errors=(RedisConnectionError,)),
        decode_responses=False,
    )
