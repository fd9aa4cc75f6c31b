"""One way to connect to Redis: pooled, with short timeouts so nothing hangs.

Two URL forms, for the state client and the Celery broker alike:

- ``redis://[:password@]host:port/db`` (or ``rediss://``): one server;
- ``redis+sentinel://[:password@]host1:port1,host2:port2,host3:port3/MASTER[/db]``: Redis
  Sentinel; every connection goes to whichever server the sentinels name as MASTER's primary,
  and follows it through a failover.

Retries are bounded: redis-py 6+ retries a failed command 10 times with backoff by default,
which behind an HTTP request turns "Redis is down" into a hang of seconds. Here a command is
retried once, only on a broken connection (a pooled socket that died with a Redis restart),
never on a timeout, so a caller knows within about ``connect_timeout_s + socket_timeout_s``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

import redis
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.retry import Retry
from redis.sentinel import Sentinel

from shared.config import RedisSettings
from shared.errors import ConfigError

SENTINEL_SCHEME = "redis+sentinel"


@dataclass(frozen=True)
class SentinelURL:
    sentinels: tuple[tuple[str, int], ...]
    master: str
    db: int
    password: str | None


def parse_sentinel_url(url: str) -> SentinelURL:
    """Read a ``redis+sentinel://`` URL.

    Raises:
        ConfigError: the URL names no sentinel or no master.
    """
    parts = urlsplit(url)
    hosts = parts.netloc.rpartition("@")[2]
    password = unquote(parts.password) if parts.password else None
    sentinels = []
    for item in filter(None, hosts.split(",")):
        host, _, port = item.rpartition(":")
        if not host or not port.isdigit():
            raise ConfigError(f"redis.url: sentinel {item!r} must be host:port")
        sentinels.append((host.strip("[]"), int(port)))
    path = [p for p in parts.path.split("/") if p]
    if not sentinels or not path:
        raise ConfigError("redis.url: a Sentinel URL looks like "
                          "redis+sentinel://host1:26379,host2:26379,host3:26379/mymaster/0")
    db = int(path[1]) if len(path) > 1 and path[1].isdigit() else 0
    return SentinelURL(tuple(sentinels), path[0], db, password)


def connect(settings: RedisSettings) -> redis.Redis:
    """A pooled client for the configured Redis (or the Sentinel-named primary).

    Raises:
        ConfigError: no Redis URL is known (set REDIS_URL or ``[redis] url``, or use
            ``hookmaker up``, which starts an embedded Redis).
    """
    if not settings.url:
        raise ConfigError("redis.url: no Redis to talk to; set REDIS_URL or [redis] url "
                          "(hookmaker up starts an embedded one)")
    timeouts = {"socket_timeout": settings.socket_timeout_s,
                "socket_connect_timeout": settings.connect_timeout_s,
                "retry": Retry(NoBackoff(), 1, supported_errors=(RedisConnectionError,))}
    if settings.url.startswith(SENTINEL_SCHEME + "://"):
        spec = parse_sentinel_url(settings.url)
        sentinel = Sentinel(list(spec.sentinels), sentinel_kwargs={
            k: v for k, v in timeouts.items() if k != "retry"}, **timeouts)
        return sentinel.master_for(spec.master, db=spec.db, password=spec.password,
                                   max_connections=settings.max_connections,
                                   health_check_interval=30)
    return redis.Redis.from_url(settings.url, max_connections=settings.max_connections,
                                health_check_interval=30, **timeouts)


def broker(settings: RedisSettings) -> tuple[str, dict[str, Any]]:
    """Celery's broker URL and the transport options it needs for this Redis."""
    url = settings.url or ""
    if not url.startswith(SENTINEL_SCHEME + "://"):
        return url, {}
    spec = parse_sentinel_url(url)
    auth = f":{spec.password}@" if spec.password else ""
    urls = ";".join(f"sentinel://{auth}{host}:{port}/{spec.db}" for host, port in spec.sentinels)
    options: dict[str, Any] = {"master_name": spec.master}
    if spec.password:
        options["sentinel_kwargs"] = {"password": spec.password}
    return urls, options
