"""A real emulator subprocess for the FileMaker client tests, reset before each test."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any, Iterator

import pytest
import redis

from emulator.testing import EmulatorProcess
from shared.config import FileMakerServer, Route
from shared.filemaker.client import FileMakerClient
from shared.filemaker.mapping import parse_field
from shared.keys import Keys
from shared.secrets import Secret

ROOT = Path(__file__).resolve().parents[3]
SCHEMA = ROOT / "examples" / "filemaker-schema.toml"
DATABASE = "Hookmaker"
PASSWORD = "hookmaker-dev"


@pytest.fixture(scope="session")
def emulator_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    with EmulatorProcess(SCHEMA, tmp_path_factory.mktemp("fm-emulator"),
                         session_cap=2) as emu:
        yield emu


@pytest.fixture
def emu(emulator_process: EmulatorProcess) -> Iterator[EmulatorProcess]:
    """The emulator with no records, sessions, faults or counters."""
    emulator_process.reset()
    yield emulator_process
    emulator_process.clear_faults()


def make_server(url: str, *, password: str = PASSWORD, **kw: Any) -> FileMakerServer:
    settings: dict[str, Any] = dict(max_sessions=2, connect_timeout_s=1.0, read_timeout_s=2.0)
    settings.update(kw)
    return FileMakerServer(name="fm", url=url, database=DATABASE, username="hookmaker",
                           password=Secret("env:FM_PASSWORD", password), **settings)


@pytest.fixture
def server(emu: EmulatorProcess) -> FileMakerServer:
    return make_server(emu.url)


@pytest.fixture
def keys() -> Keys:
    return Keys(f"t{uuid.uuid4().hex[:8]}")


@pytest.fixture
def client(server: FileMakerServer, redis_client: redis.Redis,
           keys: Keys) -> Iterator[FileMakerClient]:
    fm = FileMakerClient(server, redis_client, keys)
    yield fm
    fm.close()


def make_route(action: str, layout: str, fields: dict[str, Any] | None = None,
               **kw: Any) -> Route:
    specs = {k: parse_field(k, v) for k, v in (fields or {}).items()}
    return Route(name=f"{action}-{layout}".lower(), source="shop", filemaker="fm",
                 layout=layout, action=action, fields=specs, **kw)
