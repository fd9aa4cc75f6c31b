"""Fixtures of the fault suite.

The emulator here runs ``tests/faults/schema.toml``: no unique validation on ``EventId``,
so a doubled push is a second record the checker sees (FileMaker's 504 would hide it).
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from emulator.testing import EmulatorProcess

SCHEMA = Path(__file__).resolve().parent / "schema.toml"


@pytest.fixture(scope="session")
def emulator_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    """The fault suite's own emulator (session-wide, reset per test by ``emulator``)."""
    with EmulatorProcess(SCHEMA, tmp_path_factory.mktemp("fault-emulator")) as process:
        yield process


@pytest.fixture
def emulator(emulator_process: EmulatorProcess) -> Iterator[EmulatorProcess]:
    """No records, no sessions, no faults; and answering again after a down_s fault."""
    emulator_process.clear_faults()
    emulator_process.reset()
    yield emulator_process
    _wait_answering(emulator_process)
    emulator_process.clear_faults()


def _wait_answering(emulator_process: EmulatorProcess, timeout_s: float = 90.0) -> None:
    import time  # noqa: PLC0415

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if emulator_process._answers():   # noqa: SLF001 - its own health probe
            return
        time.sleep(0.2)
    raise RuntimeError("the emulator did not come back after its down_s fault")
