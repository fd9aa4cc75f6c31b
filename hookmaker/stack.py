"""``hookmaker up``: the whole pipeline on one machine, for a developer or a demo.

Redis (embedded unless REDIS_URL), the FileMaker emulator (when the configured server is on
this machine), the ingress and one worker, each a child process in its own process group.
Ctrl-C (or SIGTERM) stops them all, newest first, and leaves nothing behind.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import requests

from hookmaker.context import clear_stack_state, write_stack_state
from hookmaker.embedded_redis import EmbeddedRedis
from hookmaker.processes import port_open, spawn, stop, wait_until
from shared import logs
from shared.config import Config

VAR = Path("var")
EMULATOR_SCHEMA = Path("examples") / "filemaker-schema.toml"


class Stack:
    def __init__(self, config: Config, *, port: int, emulator: bool, schema: Path) -> None:
        self.config = config
        self.port = port
        self.want_emulator = emulator
        self.schema = schema
        self.redis: EmbeddedRedis | None = None
        self.children: list[tuple[str, object]] = []

    def start(self) -> None:
        VAR.mkdir(exist_ok=True)
        if not self.config.redis.url:
            self.redis = EmbeddedRedis(VAR / "redis").start()
            self.config = dataclasses.replace(self.config, redis=dataclasses.replace(
                self.config.redis, url=self.redis.url))
        if self.want_emulator:
            self._start_emulator()
        self._start_ingress()
        self._start_worker()
        if self.config.admin.get("accounts"):
            self._start_console()
        write_stack_state({"redis_url": self.config.redis.url, "ingress_url": self.ingress_url,
                           "console_url": self.console_url})

    @property
    def ingress_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _cli(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "hookmaker", "--config", str(self.config.path), *args]

    def _env(self) -> dict:
        env = dict(os.environ, REDIS_URL=self.config.redis.url, PYTHONUNBUFFERED="1")
        env.setdefault(logs.FORMAT_ENV, "text")          # people read these; machines don't
        return env

    def _start_emulator(self) -> None:
        for server in self.config.filemaker.values():
            host, port = _local_port(server.url)
            if port is None:
                continue
            if port_open(host, port):
                raise RuntimeError(f"port {port} is taken: the FileMaker emulator cannot start "
                                   f"(stop what listens there, or use --no-emulator)")
            argv = [sys.executable, "-m", "emulator", "--host", "127.0.0.1", "--port",
                    str(port), "--schema", str(self.schema), "--data", str(VAR / "emulator")]
            proc = spawn(argv, log=VAR / "emulator.log", env=self._env())
            self.children.append(("emulator", proc))
            wait_until(lambda: port_open("127.0.0.1", port), timeout_s=20, what="emulator",
                       proc=proc, log=VAR / "emulator.log")
            return

    def _start_ingress(self) -> None:
        if port_open("127.0.0.1", self.port):
            raise RuntimeError(f"port {self.port} is taken: choose another with --port")
        proc = spawn(self._cli("ingress", "--bind", f"127.0.0.1:{self.port}", "--workers", "1"),
                     env=self._env(), log=VAR / "ingress.log")
        self.children.append(("ingress", proc))
        wait_until(self._ingress_ready, timeout_s=30, what="ingress", proc=proc,
                   log=VAR / "ingress.log")

    def _ingress_ready(self) -> bool:
        try:
            return requests.get(self.ingress_url + "/readyz", timeout=1).status_code == 200
        except requests.RequestException:
            return False

    @property
    def console_url(self) -> str:
        return f"http://127.0.0.1:{self.config.admin.get('port', 8081)}" \
            if any(name == "console" for name, _ in self.children) else ""

    def _start_console(self) -> None:
        port = int(self.config.admin.get("port", 8081))
        if port_open("127.0.0.1", port):
            print(f"port {port} is taken: the console does not start", flush=True)
            return
        proc = spawn(self._cli("admin", "--bind", f"127.0.0.1:{port}"), env=self._env(),
                     log=VAR / "console.log")
        self.children.append(("console", proc))
        wait_until(lambda: port_open("127.0.0.1", port), timeout_s=30, what="console",
                   proc=proc, log=VAR / "console.log")

    def _start_worker(self) -> None:
        proc = spawn(self._cli("worker", "--concurrency", "2"), env=self._env())
        self.children.append(("worker", proc))

    def stop(self) -> None:
        for _name, proc in reversed(self.children):
            stop(proc, timeout_s=35)
        self.children.clear()
        if self.redis is not None:
            self.redis.stop()
        clear_stack_state()


def _local_port(url: str) -> tuple[str, int | None]:
    parts = urlsplit(url)
    if parts.hostname not in ("127.0.0.1", "localhost") or parts.scheme != "http":
        return "", None
    return parts.hostname, parts.port or 80


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


def run_until_interrupted(stack: Stack, banner: str) -> None:
    """Start the stack, print the banner, and stop everything on Ctrl-C or SIGTERM."""
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        stack.start()
        print(banner.format(ingress=stack.ingress_url, redis=stack.config.redis.url,
                            console=stack.console_url or "(not started: no [admin] accounts)"),
              flush=True)
        while all(proc.poll() is None for _, proc in stack.children):
            time.sleep(0.5)
        dead = [name for name, proc in stack.children if proc.poll() is not None]
        print(f"\n{', '.join(dead)} stopped; stopping the rest", flush=True)
    except KeyboardInterrupt:
        print("\nstopping...", flush=True)
    finally:
        stack.stop()
        print("stopped; nothing left running", flush=True)
