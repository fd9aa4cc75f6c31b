"""The emulator's session clock: real time, optionally faster, and advanceable by tests."""

from __future__ import annotations

import threading
import time
from typing import Callable


class Clock:
    """Seconds since the epoch as the emulator sees them.

    ``scale`` > 1 makes time pass faster than real time; :meth:`advance` jumps ahead.
    """

    def __init__(self, scale: float = 1.0, source: Callable[[], float] = time.time) -> None:
        self._scale = scale
        self._source = source
        self._start = source()
        self._offset = 0.0
        self._lock = threading.Lock()

    def now(self) -> float:
        """The current emulated time."""
        real = self._source()
        with self._lock:
            return self._start + (real - self._start) * self._scale + self._offset

    def advance(self, seconds: float) -> float:
        """Jump ``seconds`` ahead; returns the new time.

        Raises:
            ValueError: ``seconds`` is negative.
        """
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        with self._lock:
            self._offset += seconds
        return self.now()
