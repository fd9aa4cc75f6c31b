"""Child processes: start them in their own process group, wait for a port, stop them all."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Callable, Sequence


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def port_open(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex((host, port)) == 0


def wait_until(check: Callable[[], bool], *, timeout_s: float, what: str,
               proc: subprocess.Popen | None = None, log: Path | None = None) -> None:
    """Poll ``check`` until it is true.

    Raises:
        RuntimeError: the time ran out, or ``proc`` exited first; the message carries the
            tail of ``log`` so the reason shows.
    """
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():
            return
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}{_tail(log)}")
        time.sleep(0.05)
    raise RuntimeError(f"{what} not ready after {timeout_s:.0f} s{_tail(log)}")


def _tail(log: Path | None, lines: int = 30) -> str:
    if log is None or not log.exists():
        return ""
    return "\n--- " + str(log) + "\n" + "\n".join(log.read_text(errors="replace")
                                                 .splitlines()[-lines:])


def spawn(argv: Sequence[str], *, log: Path | None = None, env: dict | None = None,
          cwd: Path | None = None) -> subprocess.Popen:
    """Start ``argv`` in a new process group, its output to ``log`` (or inherited)."""
    out = open(log, "ab") if log is not None else None
    try:
        return subprocess.Popen(list(argv), stdout=out, stderr=subprocess.STDOUT if out else None,
                                stdin=subprocess.DEVNULL, env=env, cwd=cwd,
                                start_new_session=True)
    finally:
        if out is not None:
            out.close()


def stop(proc: subprocess.Popen, *, timeout_s: float = 10.0, sig: int = signal.SIGTERM) -> None:
    """Signal the whole process group, wait, then SIGKILL whatever is left."""
    if proc.poll() is None:
        _signal_group(proc, sig)
        try:
            proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            pass
    _signal_group(proc, signal.SIGKILL)   # children that outlived their parent
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass


def _signal_group(proc: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass
