"""Fixtures of the HA suite: a Sentinel group per test, an emulator whose Inbox shows a
doubled push, and pipelines on either Redis."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from emulator.testing import EmulatorProcess
from hookmaker.sentinel_testing import SentinelGroup
from hakit import HAPipeline

pytestmark = pytest.mark.integration

SCHEMA = Path(__file__).resolve().parent / "schema.toml"


@pytest.fixture(scope="session")
def emulator_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    """The suite's own emulator: no unique validation on EventId (see schema.toml)."""
    with EmulatorProcess(SCHEMA, tmp_path_factory.mktemp("ha-emulator")) as process:
        yield process


@pytest.fixture
def sentinel_group(tmp_path: Path) -> Iterator:
    """Make a Sentinel group (a primary, ``replicas`` replicas, three sentinels) for this
    test; every process is stopped afterwards."""
    made: list[SentinelGroup] = []

    def make(replicas: int = 1) -> SentinelGroup:
        group = SentinelGroup(tmp_path / f"sentinel{len(made)}", replicas=replicas)
        made.append(group)
        return group.start()

    yield make
    for group in made:
        group.stop()


@pytest.fixture
def ha_pipeline(tmp_path: Path, emulator) -> Iterator:
    """Make an :class:`HAPipeline` on a given Redis URL; every one is stopped afterwards."""
    made: list[HAPipeline] = []

    def make(redis_url: str, **settings) -> HAPipeline:
        p = HAPipeline(tmp_path / f"pipeline{len(made)}", redis_url=redis_url,
                       filemaker_url=emulator.url, **settings)
        made.append(p)
        return p

    yield make
    for p in made:
        p.stop_all()
