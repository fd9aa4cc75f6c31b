"""Everything one running emulator holds, built from its settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from emulator.accesslog import AccessLog, RequestStats
from emulator.clock import Clock
from emulator.faults import FaultState
from emulator.records import RecordService
from emulator.schema import Schema, load_schema
from emulator.scripts import build_registry
from emulator.sessions import SessionRegistry
from emulator.settings import EmulatorSettings
from emulator.store import Store


@dataclass
class Emulator:
    """The parts of one emulator; ``go_down`` is set by the server that serves it."""

    settings: EmulatorSettings
    schema: Schema
    store: Store
    clock: Clock
    sessions: SessionRegistry
    faults: FaultState
    stats: RequestStats
    access_log: AccessLog
    records: RecordService
    go_down: Callable[[float], None] | None = field(default=None)

    @classmethod
    def build(cls, settings: EmulatorSettings) -> "Emulator":
        """Load the schema, open the store, wire the parts.

        Raises:
            SchemaError: the schema file is invalid.
        """
        schema = load_schema(settings.schema_path)
        registries = {name: build_registry(db) for name, db in schema.databases.items()}
        store = Store(settings.data_dir)
        clock = Clock(settings.clock_scale)
        faults = FaultState()
        return cls(settings, schema, store, clock,
                   SessionRegistry(clock, settings.session_idle_s, settings.session_cap),
                   faults, RequestStats(), AccessLog(settings.access_log_path),
                   RecordService(schema, store, clock, faults, registries))

    def reset(self) -> None:
        """Drop all records, sessions, faults and counters (a test helper)."""
        self.store.reset()
        self.sessions.reset()
        self.sessions.cap = self.settings.session_cap
        self.faults.clear()
        self.stats.reset()
        self.access_log.clear()

    def close(self) -> None:
        """Release the store and the log file."""
        self.access_log.close()
        self.store.close()
