"""Everything a worker process holds: config, Redis, the event store, FileMaker clients.

Built once per process (again after a fork: connections must not be shared across
processes) and passed to the stages.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field

import redis

from shared import metrics
from shared.celery_settings import Wakeups
from shared.config import Config
from shared.eventstore import EventStore
from shared.keys import Keys
from shared.redisconn import connect


@dataclass
class Runtime:
    config: Config
    redis: redis.Redis
    keys: Keys
    store: EventStore
    wakeups: Wakeups
    _clients: dict = field(default_factory=dict)
    _budgets: dict = field(default_factory=dict)
    _circuits: dict = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def build(cls, config: Config, wakeups: Wakeups) -> "Runtime":
        client = connect(config.redis)
        keys = Keys(config.redis.prefix)
        return cls(config=config, redis=client, keys=keys, wakeups=wakeups,
                   store=EventStore(client, keys, retention_s=config.worker.retention_s))

    def filemaker(self, server: str):
        """The FileMaker client of one configured server (one per process, made on first use)."""
        from shared.filemaker.client import FileMakerClient  # noqa: PLC0415 - heavy, lazy
        with self._lock:
            if server not in self._clients:
                database = self.config.filemaker[server].database
                self._clients[server] = FileMakerClient(
                    self.config.filemaker[server], self.redis, self.keys,
                    observer=lambda x: metrics.FILEMAKER_SECONDS.labels(
                        database, x.code or str(x.status)).observe(x.duration_ms / 1000))
            return self._clients[server]

    def budget(self, server: str):
        """The shared request budget of one configured server."""
        from workers.ratelimit import Budget  # noqa: PLC0415 - avoids an import cycle
        with self._lock:
            if server not in self._budgets:
                self._budgets[server] = Budget(self, server)
            return self._budgets[server]

    def circuit(self, server: str):
        """The shared circuit of one configured server."""
        from shared.circuit import Circuit  # noqa: PLC0415 - avoids an import cycle
        with self._lock:
            if server not in self._circuits:
                self._circuits[server] = Circuit(self.redis, self.keys, server)
            return self._circuits[server]

    def close(self) -> None:
        for client in self._clients.values():
            client.close()
        self._clients.clear()


_current: tuple[int, Runtime] | None = None
_factory = None


def install(factory) -> None:
    """Tell this process how to build its runtime (called once, before any fork)."""
    global _factory, _current
    _factory, _current = factory, None


def current() -> Runtime:
    """This process's runtime, rebuilt after a fork."""
    global _current
    if _current is None or _current[0] != os.getpid():
        if _factory is None:
            raise RuntimeError("worker runtime not installed; start workers with "
                               "'hookmaker worker'")
        _current = (os.getpid(), _factory())
    return _current[1]
