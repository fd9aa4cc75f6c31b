"""The emulator's settings: read once, frozen, passed in."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from emulator.defaults import (
    DEFAULT_CLOCK_SCALE,
    DEFAULT_DATA_DIR,
    DEFAULT_HOST,
    DEFAULT_PORT,
    DEFAULT_SCHEMA_PATH,
    DEFAULT_SESSION_CAP,
    DEFAULT_SESSION_IDLE_S,
)


@dataclass(frozen=True)
class EmulatorSettings:
    """Everything one emulator process needs to know.

    ``clock_scale`` makes the session clock run faster than real time (2.0 = twice as fast);
    ``session_cap`` is per database; ``access_log_path`` None keeps the log in memory only.
    """

    schema_path: Path = Path(DEFAULT_SCHEMA_PATH)
    data_dir: Path = Path(DEFAULT_DATA_DIR)
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    session_idle_s: float = DEFAULT_SESSION_IDLE_S
    session_cap: int = DEFAULT_SESSION_CAP
    clock_scale: float = DEFAULT_CLOCK_SCALE
    access_log_path: Path | None = None
    verbose: bool = False

    def __post_init__(self) -> None:
        """Validate the values, naming the bad key.

        Raises:
            ValueError: a value is out of range.
        """
        if self.session_idle_s <= 0:
            raise ValueError(f"session_idle_s must be > 0, got {self.session_idle_s}")
        if self.session_cap < 1:
            raise ValueError(f"session_cap must be >= 1, got {self.session_cap}")
        if self.clock_scale <= 0:
            raise ValueError(f"clock_scale must be > 0, got {self.clock_scale}")
        if not 0 <= self.port <= 65535:
            raise ValueError(f"port must be 0..65535, got {self.port}")
