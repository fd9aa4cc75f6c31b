"""One way to connect to Redis: pooled, with short timeouts so nothing hangs."""

from __future__ import annotations

import redis

from shared.config import RedisSettings
from shared.errors import ConfigError


def connect(settings: RedisSettings) -> redis.Redis:
    """A pooled client for the configured Redis.

    Raises:
        ConfigError: no Redis URL is known (set REDIS_URL or ``[redis] url``, or use
            ``hookmaker up``, which starts an embedded Redis).
    """
    if not settings.url:
        raise ConfigError("redis.url: no Redis to talk to; set REDIS_URL or [redis] url "
                          "(hookmaker up starts an embedded one)")
    return redis.Redis.from_url(
        settings.url,
        socket_timeout=settings.socket_timeout_s,
        socket_connect_timeout=settings.connect_timeout_s,
        max_connections=settings.max_connections,
        health_check_interval=30,
        decode_responses=False,
    )
