"""Fixtures: one emulator subprocess shared by the contract tests (reset before each
test), and a logged-in raw Data API client."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from emulator.testing import EXAMPLE_SCHEMA, DataAPIClient, EmulatorProcess


@pytest.fixture(scope="session")
def emulator_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    data = tmp_path_factory.mktemp("emulator")
    with EmulatorProcess(EXAMPLE_SCHEMA, data, access_log=data / "fmdapi.log") as proc:
        yield proc


@pytest.fixture
def emu(emulator_process: EmulatorProcess) -> EmulatorProcess:
    emulator_process.reset()
    return emulator_process


@pytest.fixture
def fm(emu: EmulatorProcess) -> DataAPIClient:
    client = DataAPIClient(emu.data_url())
    client.login()
    return client
