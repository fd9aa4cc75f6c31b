"""Worker liveness: a heartbeat file written from the consumer's own event loop.

Every few seconds the consumer (the part that takes messages from Redis) pings Redis and,
if that works, rewrites the heartbeat file. If the consumer hangs, or Redis cannot be
reached, the file goes stale and ``hookmaker worker-health`` fails: a probe that checks
"consuming and can reach Redis", suitable for Kubernetes and systemd watchdogs.
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

from celery import bootsteps

log = logging.getLogger("hookmaker.worker")

DEFAULT_HEARTBEAT_FILE = "/tmp/hookmaker-worker.heartbeat"
HEARTBEAT_INTERVAL_S = 5.0
DEFAULT_MAX_AGE_S = 30.0


def heartbeat_step(path: Path, ping):
    """A consumer bootstep class that beats into ``path`` while ``ping()`` succeeds."""

    class Heartbeat(bootsteps.StartStopStep):
        requires = {"celery.worker.consumer.tasks:Tasks"}

        def start(self, consumer) -> None:
            self.beat()
            self.timer = consumer.timer.call_repeatedly(HEARTBEAT_INTERVAL_S, self.beat)

        def stop(self, consumer) -> None:
            timer = getattr(self, "timer", None)
            if timer is not None:
                timer.cancel()
            path.unlink(missing_ok=True)

        def beat(self) -> None:
            try:
                ping()
            except Exception as exc:        # noqa: BLE001 - a stale file is the signal
                log.warning("heartbeat: Redis unreachable (%s)", type(exc).__name__)
                return
            tmp = path.with_suffix(".tmp")
            tmp.write_text(f"{time.time():.3f} {os.getpid()}\n")
            tmp.replace(path)

    return Heartbeat


def check(path: Path, max_age_s: float = DEFAULT_MAX_AGE_S, now: float | None = None) -> str:
    """'' when the worker is healthy, else why not."""
    try:
        beat = float(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return f"no heartbeat at {path} (worker not started, or stopped)"
    age = (time.time() if now is None else now) - beat
    if age > max_age_s:
        return f"heartbeat is {age:.0f} s old (limit {max_age_s:.0f} s): consumer stuck or Redis unreachable"
    return ""
