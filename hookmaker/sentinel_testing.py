"""A Redis Sentinel group on this machine, for failover tests and benchmarks.

A primary, ``replicas`` replicas (``--replicaof``) and three sentinels, all the embedded
redis-server 6.2 (sentinels are the same binary run with ``--sentinel``), bound to
127.0.0.1 on free ports, each in a folder of its own under ``base_dir``. The data servers
run as production should (AOF, ``noeviction``); the sentinels agree with a quorum of 2 and
call a primary down after ``down_after_ms``.

``kill_primary`` is a crash (SIGKILL); ``wait_for_new_primary`` returns once the sentinels
name another server and it answers as a primary. ``stop`` ends every process it started.
"""

from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import redis

from hookmaker.embedded_redis import EmbeddedRedis, server_binary
from hookmaker.processes import free_port, spawn, stop, wait_until

MASTER = "mymaster"
SENTINELS = 3
QUORUM = 2


@dataclass
class DataServer(EmbeddedRedis):
    """An :class:`EmbeddedRedis` that may start as a replica of ``primary_port``."""

    primary_port: int = 0

    def argv(self) -> list[str]:
        extra = ["--replicaof", "127.0.0.1", str(self.primary_port)] if self.primary_port \
            else []
        return super().argv() + extra

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port, socket_timeout=1, socket_connect_timeout=1)


@dataclass
class SentinelProcess:
    folder: Path
    port: int
    proc: subprocess.Popen | None = None

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port, socket_timeout=1, socket_connect_timeout=1,
                           decode_responses=True)


@dataclass
class SentinelGroup:
    """A primary, its replicas and three sentinels. Use as a context manager."""

    base_dir: Path
    replicas: int = 1
    master: str = MASTER
    down_after_ms: int = 1000
    failover_timeout_ms: int = 5000
    appendfsync: str = "always"
    servers: list[DataServer] = field(default_factory=list)
    sentinels: list[SentinelProcess] = field(default_factory=list)
    killed: list[DataServer] = field(default_factory=list)

    # --- addresses ---
    def url(self, db: int = 0) -> str:
        """The ``redis+sentinel://`` URL Hookmaker's config takes."""
        hosts = ",".join(f"127.0.0.1:{s.port}" for s in self.sentinels)
        return f"redis+sentinel://{hosts}/{self.master}/{db}"

    def primary_port(self) -> int | None:
        """The primary's port as a majority of the sentinels name it (None: no majority)."""
        named: dict[int, int] = {}
        for sentinel in self.sentinels:
            try:
                _, port = sentinel.client().sentinel_get_master_addr_by_name(self.master)
            except (redis.RedisError, TypeError):
                continue
            named[int(port)] = named.get(int(port), 0) + 1
        best = max(named.items(), key=lambda kv: kv[1], default=(None, 0))
        return best[0] if best[1] >= QUORUM else None

    def primary(self) -> DataServer:
        port = self.primary_port()
        found = next((s for s in self.servers if s.port == port), None)
        if found is None:
            raise RuntimeError(f"the sentinels name no running primary (port {port})")
        return found

    # --- lifecycle ---
    def start(self, timeout_s: float = 30.0) -> "SentinelGroup":
        self.base_dir = self.base_dir.resolve()
        primary = DataServer(self.base_dir / "server0", appendfsync=self.appendfsync).start()
        self.servers.append(primary)
        for i in range(self.replicas):
            self.servers.append(DataServer(self.base_dir / f"server{i + 1}",
                                           appendfsync=self.appendfsync,
                                           primary_port=primary.port).start())
        for i in range(SENTINELS):
            self.sentinels.append(self._start_sentinel(self.base_dir / f"sentinel{i}",
                                                       primary.port))
        wait_until(lambda: self._settled(primary.port), timeout_s=timeout_s,
                   what="sentinels agreeing on the primary and its replicas")
        return self

    def _start_sentinel(self, folder: Path, primary_port: int) -> SentinelProcess:
        folder.mkdir(parents=True, exist_ok=True)
        port = free_port()
        conf = folder / "sentinel.conf"      # sentinels rewrite their config: writable
        conf.write_text("\n".join([
            "bind 127.0.0.1", f"port {port}", "daemonize no", f"dir {folder}",
            f"logfile {folder / 'sentinel.log'}",
            f"sentinel monitor {self.master} 127.0.0.1 {primary_port} {QUORUM}",
            f"sentinel down-after-milliseconds {self.master} {self.down_after_ms}",
            f"sentinel failover-timeout {self.master} {self.failover_timeout_ms}",
            f"sentinel parallel-syncs {self.master} 1", ""]))
        sentinel = SentinelProcess(folder, port)
        sentinel.proc = spawn([server_binary(), str(conf), "--sentinel"])
        wait_until(lambda: _pings(sentinel.client()), timeout_s=15,
                   what=f"sentinel on port {port}", proc=sentinel.proc,
                   log=folder / "sentinel.log")
        return sentinel

    def _settled(self, primary_port: int) -> bool:
        """Every sentinel names ``primary_port``, sees all replicas up and its peers."""
        up = len([s for s in self.servers if s.port != primary_port and s not in self.killed])
        for sentinel in self.sentinels:
            try:
                client = sentinel.client()
                state = client.sentinel_master(self.master)
                replicas = client.sentinel_slaves(self.master)
            except redis.RedisError:
                return False
            if int(state["port"]) != primary_port or \
                    int(state.get("num-other-sentinels", 0)) < SENTINELS - 1:
                return False
            online = [r for r in replicas if "s_down" not in r["flags"]
                      and r.get("master-link-status") == "ok"]
            if len(online) < up:
                return False
        return True

    def kill_primary(self) -> DataServer:
        """kill -9 the current primary; returns it (``restart_killed`` brings it back)."""
        primary = self.primary()
        primary.kill()
        self.killed.append(primary)
        return primary

    def wait_for_new_primary(self, old: DataServer, timeout_s: float = 30.0) -> DataServer:
        """Wait until a majority of sentinels names another server, which answers as primary.

        Raises:
            RuntimeError: no failover within ``timeout_s``.
        """
        def promoted() -> bool:
            port = self.primary_port()
            if port is None or port == old.port:
                return False
            server = next((s for s in self.servers if s.port == port), None)
            return server is not None and _role(server.client()) == "master"

        wait_until(promoted, timeout_s=timeout_s, what="a failover to a new primary")
        return self.primary()

    def restart_killed(self, timeout_s: float = 30.0) -> None:
        """Start the killed servers again (same port and data); the sentinels turn each one
        into a replica of the current primary. Returns once all replicas are in sync."""
        for server in self.killed:
            server.restart()
        self.killed.clear()
        primary = self.primary_port()
        wait_until(lambda: primary is not None and self._settled(primary),
                   timeout_s=timeout_s, what="the restarted servers rejoining as replicas")

    def stop(self) -> None:
        for sentinel in self.sentinels:
            if sentinel.proc is not None:
                stop(sentinel.proc, timeout_s=5)
        for server in self.servers:
            server.stop()

    def __enter__(self) -> "SentinelGroup":
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _pings(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()


def _role(client: redis.Redis) -> str:
    try:
        role = client.execute_command("ROLE")[0]
        return role.decode() if isinstance(role, bytes) else str(role)
    except redis.RedisError:
        return ""
    finally:
        client.close()


def wait_replicated(server: DataServer, timeout_s: float = 10.0) -> None:
    """Wait until ``server``'s replicas have its whole replication stream (for set-up)."""
    client = server.client()
    try:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            info = client.info("replication")
            offset = info.get("master_repl_offset", 0)
            lags = [v for k, v in info.items() if k.startswith("slave") and isinstance(v, dict)]
            if lags and all(int(r.get("offset", 0)) >= offset for r in lags):
                return
            time.sleep(0.05)
        raise RuntimeError("replicas did not catch up")
    finally:
        client.close()
