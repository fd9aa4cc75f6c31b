"""Redis restarted, cleanly and with kill -9, while acknowledged events are pending.

Promise 1: 2xx means durable. Safe: the embedded Redis as production runs it (AOF,
``appendfsync always``). Known-bad: the same Redis without persistence (``appendonly no``,
no RDB): a kill -9 takes every acknowledged event with it, and the checker must say so.
"""

from __future__ import annotations

import time

import pytest

from fault_harness import Sender, keys, scaled, verdict, wait_quiet
from hookmaker.embedded_redis import EmbeddedRedis
from hookmaker.testing import Pipeline

pytestmark = pytest.mark.faults

SETTINGS = {"lease_s": 5, "reconcile_interval_s": 0.5, "reconcile_grace_s": 1.0,
            "read_timeout_s": 5, "max_sessions": 4}


class VolatileRedis(EmbeddedRedis):
    """A Redis that keeps nothing on disk: the known-bad broker."""

    def argv(self) -> list[str]:
        argv = super().argv()
        argv[argv.index("--appendonly") + 1] = "no"
        return argv


@pytest.fixture
def own_redis(tmp_path):
    servers: list[EmbeddedRedis] = []

    def make(kind=EmbeddedRedis) -> EmbeddedRedis:
        server = kind(tmp_path / f"redis{len(servers)}").start()
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.stop()


@pytest.fixture
def own_pipeline(tmp_path, emulator):
    made: list[Pipeline] = []

    def make(redis_url: str, **settings) -> Pipeline:
        p = Pipeline(tmp_path / f"pipeline{len(made)}", redis_url=redis_url,
                     filemaker_url=emulator.url, **{**SETTINGS, **settings})
        made.append(p)
        return p

    yield make
    for p in made:
        p.stop_all()


def pending_then_restart(p: Pipeline, server: EmbeddedRedis, sender: Sender, n: int,
                         *, restart: str) -> None:
    """Send ``n`` events with the emulator slow, so that most are pending; then restart."""
    sender.send_all("stripe", keys(f"evt_{restart}", n), concurrency=6)
    pending = p.counts()
    assert pending["accepted"] > sum(pending[s] for s in ("delivered", "duplicate")), pending
    if restart == "clean":
        server.stop()
    else:
        server.kill()
    time.sleep(1.0)                 # workers and ingress see Redis gone
    server.restart()


def test_redis_restarts_clean_and_kill9_lose_nothing(own_redis, own_pipeline, emulator):
    server = own_redis()
    p = own_pipeline(server.url)
    p.start_ingress()
    p.start_worker("w1", concurrency=2)
    p.start_worker("w2", concurrency=2)
    emulator.fault(latency_ms=50)
    sender = Sender(p)
    n = scaled(120)
    pending_then_restart(p, server, sender, n, restart="clean")
    pending_then_restart(p, server, sender, n, restart="kill")
    emulator.clear_faults()
    settled = wait_quiet(p, timeout_s=90)
    v = verdict(p, emulator, sender)
    print(f"\nredis restart safe: {v.summary()}; states {p.counts()}")
    assert v.acknowledged == 2 * n
    assert settled, p.counts()
    assert not v.lost and not v.duplicated and not v.unexpected and not v.dead, v.summary()


def test_known_bad_redis_without_persistence_loses_acknowledged_events(
        own_redis, own_pipeline, emulator):
    server = own_redis(VolatileRedis)
    p = own_pipeline(server.url)
    p.start_ingress()
    p.start_worker("w1", concurrency=2)
    emulator.fault(latency_ms=100)
    sender = Sender(p)
    pending_then_restart(p, server, sender, 100, restart="kill")
    emulator.clear_faults()
    wait_quiet(p, timeout_s=20, still_s=5)
    v = verdict(p, emulator, sender)
    print(f"\nredis restart known-bad: {v.summary()}; states {p.counts()}")
    assert v.acknowledged == 100
    assert v.lost and v.missing, "acknowledged events vanished with Redis's memory"
