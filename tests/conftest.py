"""Fixtures that start real things and clean up.

Redis: the embedded redis-server (fresh data folder, random port) unless REDIS_URL is set.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

import pytest
import redis

from hookmaker.embedded_redis import EmbeddedRedis

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedRedis | None]:
    """The session's Redis server process (None when REDIS_URL points elsewhere)."""
    if os.environ.get("REDIS_URL"):
        yield None
        return
    server = EmbeddedRedis(tmp_path_factory.mktemp("redis"))
    with server:
        yield server


@pytest.fixture(scope="session")
def redis_url(redis_server: EmbeddedRedis | None) -> str:
    return os.environ.get("REDIS_URL") or redis_server.url  # type: ignore[union-attr]


@pytest.fixture
def redis_client(redis_url: str) -> Iterator[redis.Redis]:
    """A client on a clean database: every test starts with nothing stored."""
    client = redis.Redis.from_url(redis_url, socket_timeout=5)
    client.flushdb()
    yield client
    client.close()


SCHEMA = ROOT / "examples" / "filemaker-schema.toml"


@pytest.fixture(scope="session")
def emulator_process(tmp_path_factory: pytest.TempPathFactory):
    """One FileMaker emulator subprocess for the session (reset per test by ``emulator``)."""
    from emulator.testing import EmulatorProcess

    with EmulatorProcess(SCHEMA, tmp_path_factory.mktemp("emulator")) as process:
        yield process


@pytest.fixture
def emulator(emulator_process):
    """The emulator with no records, no sessions and no faults."""
    emulator_process.clear_faults()
    emulator_process.reset()
    yield emulator_process
    emulator_process.clear_faults()


@pytest.fixture
def pipeline(tmp_path: Path, redis_url: str, redis_client, emulator):
    """A config for this test's Redis and emulator; start parts with start_ingress/worker."""
    from hookmaker.testing import Pipeline

    made = []

    def make(**settings) -> Pipeline:
        p = Pipeline(tmp_path / f"pipeline{len(made)}", redis_url=redis_url,
                     filemaker_url=emulator.url, **settings)
        made.append(p)
        return p

    yield make
    for p in made:
        p.stop_all()
