"""Run a real emulator subprocess for tests: ``with EmulatorProcess(schema, data) as emu:``.

It starts ``sys.executable -m emulator`` on 127.0.0.1 (a free port unless ``port`` is
given), waits until it answers, and offers the admin API as methods.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import requests

from emulator.cli import READY_PREFIX
from emulator.defaults import DEFAULT_STARTUP_TIMEOUT_S

REPO_ROOT = Path(__file__).resolve().parent.parent
OPTION_NAMES = {"session_idle_s": "--session-idle-s", "session_cap": "--session-cap",
                "clock_scale": "--clock-scale", "access_log": "--access-log"}


class EmulatorError(RuntimeError):
    """The emulator process did not start or an admin call failed."""


class EmulatorProcess:
    """A FileMaker Data API emulator running as a subprocess.

    ``settings`` are ``session_idle_s``, ``session_cap``, ``clock_scale``, ``access_log``
    (a path) and ``verbose``.
    """

    def __init__(self, schema_path: Path | str, data_dir: Path | str, port: int | None = None,
                 startup_timeout_s: float = DEFAULT_STARTUP_TIMEOUT_S, **settings: Any) -> None:
        unknown = set(settings) - set(OPTION_NAMES) - {"verbose"}
        if unknown:
            raise TypeError(f"unknown emulator setting: {sorted(unknown)[0]}")
        self.schema_path = Path(schema_path).resolve()
        self.data_dir = Path(data_dir).resolve()
        self.port = port or 0
        self.startup_timeout_s = startup_timeout_s
        self.settings = settings
        self.url = ""
        self._proc: subprocess.Popen[bytes] | None = None
        self._http = requests.Session()

    def __enter__(self) -> "EmulatorProcess":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def pid(self) -> int | None:
        """The process id, while running."""
        return self._proc.pid if self._proc else None

    def _command(self) -> list[str]:
        cmd = [sys.executable, "-m", "emulator", "--host", "127.0.0.1", "--port", str(self.port),
               "--schema", str(self.schema_path), "--data", str(self.data_dir)]
        for key, value in self.settings.items():
            if key == "verbose":
                cmd += ["--verbose"] if value else []
            else:
                cmd += [OPTION_NAMES[key], str(value)]
        return cmd

    def start(self) -> None:
        """Start the process and wait until it answers.

        Raises:
            EmulatorError: it exited or did not answer in time (its stderr is included).
        """
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._out = self.data_dir / "emulator.stdout"
        self._err = self.data_dir / "emulator.stderr"
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(
            p for p in (str(REPO_ROOT), os.environ.get("PYTHONPATH", "")) if p)}
        with self._out.open("wb") as out, self._err.open("wb") as err:
            self._proc = subprocess.Popen(self._command(), stdout=out, stderr=err, env=env,
                                          cwd=str(REPO_ROOT), stdin=subprocess.DEVNULL)
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.startup_timeout_s
        while time.monotonic() < deadline:
            assert self._proc is not None
            if self._proc.poll() is not None:
                raise EmulatorError(f"emulator exited with {self._proc.returncode}:\n"
                                    f"{self._stderr()}")
            for line in self._out.read_text(errors="replace").splitlines():
                if line.startswith(READY_PREFIX):
                    self.url = line[len(READY_PREFIX):].strip()
                    self.port = int(self.url.rsplit(":", 1)[1])
                    if self._answers():
                        return
            time.sleep(0.05)
        self.kill()
        raise EmulatorError(f"emulator did not answer within {self.startup_timeout_s} s:\n"
                            f"{self._stderr()}")

    def _answers(self) -> bool:
        try:
            return self._http.get(self.url + "/_emulator/health", timeout=2).ok
        except requests.RequestException:
            return False

    def _stderr(self) -> str:
        try:
            return self._err.read_text(errors="replace")[-4000:]
        except OSError:
            return "(no stderr)"

    def stop(self, timeout_s: float = 10.0) -> None:
        """Stop with SIGTERM (SIGKILL after ``timeout_s``)."""
        if self._proc is None:
            return
        if self._proc.poll() is None:
            self._proc.send_signal(signal.SIGTERM)
            try:
                self._proc.wait(timeout_s)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._proc = None

    def kill(self) -> None:
        """Kill with SIGKILL, as a crash."""
        if self._proc is not None:
            if self._proc.poll() is None:
                self._proc.kill()
            self._proc.wait()
            self._proc = None

    def restart(self) -> None:
        """Stop and start again on the same port with the same data."""
        self.stop()
        self.start()

    def _admin(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        resp = self._http.request(method, self.url + "/_emulator" + path, json=body, timeout=10)
        if resp.status_code >= 400:
            raise EmulatorError(f"{method} {path}: {resp.status_code} {resp.text}")
        return resp.json()

    def fault(self, **spec: Any) -> dict[str, Any]:
        """Set faults (keys of :mod:`emulator.faults`, e.g. ``latency_ms=200``)."""
        return self._admin("POST", "/faults", spec)

    def clear_faults(self) -> dict[str, Any]:
        """Remove every fault."""
        return self._admin("DELETE", "/faults")

    def stats(self) -> dict[str, Any]:
        """Request counts per second, totals, sessions per database, logins."""
        return self._admin("GET", "/stats")

    def reset(self) -> None:
        """Drop all records, sessions, faults and counters."""
        self._admin("POST", "/reset")

    def advance_clock(self, seconds: float) -> float:
        """Advance the session clock; returns the emulated time."""
        return self._admin("POST", "/clock", {"advance_s": seconds})["clock"]

    def records(self, database: str, layout: str) -> list[dict[str, Any]]:
        """Every record of a layout (or table), as the Data API shows them."""
        return self._admin("GET", f"/records/{database}/{layout}")["records"]

    def access_log(self, limit: int | None = None) -> list[str]:
        """The last access-log lines."""
        return self._admin("GET", "/log" + (f"?limit={limit}" if limit else ""))["lines"]

    def data_url(self, version: str = "vLatest") -> str:
        """``{url}/fmi/data/{version}``."""
        return f"{self.url}/fmi/data/{version}"


EXAMPLE_SCHEMA = REPO_ROOT / "examples" / "filemaker-schema.toml"
EXAMPLE_ACCOUNT = ("hookmaker", "hookmaker-dev")


class DataAPIClient:
    """A raw Data API client for contract tests: every call returns the HTTP response."""

    def __init__(self, base: str, database: str = "Hookmaker",
                 account: tuple[str, str] = EXAMPLE_ACCOUNT) -> None:
        self.base = base
        self.database = database
        self.account = account
        self.token: str | None = None
        self.http = requests.Session()

    def call(self, method: str, path: str, *, token: bool = True, **kwargs: Any
             ) -> requests.Response:
        """``method`` on ``base + path``, with the bearer token unless ``token`` is False."""
        headers = dict(kwargs.pop("headers", {}))
        if token and self.token:
            headers.setdefault("Authorization", f"Bearer {self.token}")
        return self.http.request(method, self.base + path, headers=headers, timeout=10, **kwargs)

    def db(self, rest: str = "") -> str:
        """``/databases/{database}{rest}``."""
        return f"/databases/{self.database}{rest}"

    def login(self, body: Any = None) -> str:
        """Log in and keep the token.

        Raises:
            EmulatorError: the login failed.
        """
        resp = self.call("POST", self.db("/sessions"), token=False, auth=self.account,
                         json={} if body is None else body)
        if resp.status_code != 200:
            raise EmulatorError(f"login failed: {resp.status_code} {resp.text}")
        self.token = resp.json()["response"]["token"]
        return self.token

    def create(self, layout: str = "Inbox", **fields: Any) -> dict[str, Any]:
        """Create a record; returns ``response`` (recordId, modId).

        Raises:
            EmulatorError: the create failed.
        """
        resp = self.call("POST", self.db(f"/layouts/{layout}/records"), json={"fieldData": fields})
        if resp.status_code != 200:
            raise EmulatorError(f"create failed: {resp.status_code} {resp.text}")
        return resp.json()["response"]


def fm_status(resp: requests.Response) -> tuple[int, str]:
    """(HTTP status, FileMaker code) of an envelope response.

    Raises:
        EmulatorError: the body is not a well-formed envelope (code not a string, error
            without ``"response": {}``).
    """
    body = resp.json()
    code = body["messages"][0]["code"]
    if not isinstance(code, str) or "response" not in body:
        raise EmulatorError(f"malformed envelope: {resp.text}")
    if code != "0" and body["response"] != {}:
        raise EmulatorError(f"error with a non-empty response: {resp.text}")
    return resp.status_code, code
