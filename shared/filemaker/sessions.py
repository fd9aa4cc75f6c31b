"""Data API sessions shared by every worker process on every machine, through Redis.

Per database at most ``FileMakerServer.max_sessions`` sessions exist, counting those idle,
checked out, being logged in and being logged out. A token is checked out for one request at
a time under a lease (a crashed holder's token comes back when the lease runs out). Only one
process logs in at a time, under a Redis lock with a short TTL: no token storms. A token is
reused until its idle expiry approaches (``DEFAULT_FM_TOKEN_IDLE_S``, under FileMaker's 15
minutes), then logged out and replaced. When every session is busy, ``acquire`` waits briefly,
then raises ``Unavailable`` with a small delay rather than exceed the cap.
"""

from __future__ import annotations

import logging
import os
import random
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any, Callable

import redis

from shared import defaults as D
from shared.config import FileMakerServer
from shared.errors import Outcome, Unavailable
from shared.filemaker import pool_scripts as S
from shared.filemaker.http import Transport
from shared.keys import Keys

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Lease:
    """A checked-out token. ``fresh``: this call logged in to get it."""

    token: str
    fresh: bool = False


@dataclass(frozen=True)
class PoolTimings:
    """How long things may take, derived from the server's timeouts."""

    idle_s: float
    lease_s: float
    lock_ttl_ms: int
    wait_s: float
    busy_delay_s: float

    @classmethod
    def for_server(cls, server: FileMakerServer, *, idle_s: float = D.DEFAULT_FM_TOKEN_IDLE_S,
                   wait_s: float = D.DEFAULT_FM_ACQUIRE_WAIT_S) -> "PoolTimings":
        connect = server.connect_timeout_s * D.DEFAULT_FM_HICCUP_ATTEMPTS
        margin = D.DEFAULT_FM_LEASE_MARGIN_S
        login_s = connect + D.DEFAULT_FM_LOGIN_TIMEOUT_S + margin
        return cls(idle_s=idle_s, lease_s=connect + server.read_timeout_s + margin,
                   lock_ttl_ms=int(login_s * 1000), wait_s=wait_s,
                   busy_delay_s=D.DEFAULT_FM_POOL_BUSY_DELAY_S)


class SessionPool:
    """The Redis-shared token pool of one FileMaker database, seen from one process."""

    def __init__(self, server: FileMakerServer, redis_client: redis.Redis, keys: Keys,
                 transport: Transport, *, timings: PoolTimings | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.server = server
        self._redis = redis_client
        self._keys = (keys.fm_tokens(server.name), keys.fm_token_busy(server.name),
                      keys.fm_login_lock(server.name), keys.fm_token_retiring(server.name))
        self._transport = transport
        self.timings = timings or PoolTimings.for_server(server)
        self._sleep = sleep
        self._scripts = {name: redis_client.register_script(getattr(S, name))
                         for name in ("CHECKOUT", "COMMIT_LOGIN", "ABORT_LOGIN", "CHECKIN",
                                      "DISCARD", "CLAIM_IDLE")}
        self._mine: set[str] = set()          # tokens this process logged in
        self._held: set[str] = set()          # tokens this process has checked out now
        self._guard = threading.Lock()

    def acquire(self) -> Lease:
        """Check a token out: a pooled one, or a new login if a slot is free.

        Raises:
            Unavailable: every session stayed busy for ``wait_s``; or the login failed
                with a transport problem.
            Outcome: the login failed (212 bad credentials is ``Halt``).
        """
        deadline = time.monotonic() + self.timings.wait_s
        pause = 0.01
        while True:
            owner = f"{os.getpid()}:{uuid.uuid4().hex}"
            verb, token = self._checkout(owner)
            if verb == "token":
                return self._hold(Lease(token))
            if verb == "retire":
                self._logout_and_discard(token)
                continue
            if verb == "login":
                return self._hold(Lease(self._login(owner), fresh=True))
            if time.monotonic() >= deadline:
                raise Unavailable(f"all {self.server.max_sessions} Data API sessions of "
                                  f"{self.server.name!r} stayed busy for "
                                  f"{self.timings.wait_s:g} s",
                                  delay_s=self.timings.busy_delay_s)
            self._sleep(pause * (0.5 + random.random()))
            pause = min(pause * 2, 0.1)

    def release(self, lease: Lease) -> None:
        """Give a token back after a request that the token survived."""
        self._let_go(lease.token)
        verdict = _text(self._scripts["CHECKIN"](keys=self._keys,
                                                 args=[lease.token, self.server.max_sessions]))
        if verdict == "retire":
            self._logout_and_discard(lease.token)

    def discard(self, lease: Lease) -> None:
        """Forget a token FileMaker rejected (952): it no longer counts against the cap."""
        self._let_go(lease.token)
        self._scripts["DISCARD"](keys=self._keys, args=[lease.token])
        with self._guard:
            self._mine.discard(lease.token)

    def open_sessions(self) -> int:
        """How many sessions the pool counts now (idle + checked out)."""
        idle, busy = self._keys[:2]
        return int(self._redis.zcard(idle)) + int(self._redis.hlen(busy))

    def close(self) -> None:
        """Log out the tokens this process logged in or holds now. Best effort.

        Its tokens checked out by other processes right now are marked to be logged out
        when they are checked in, so a shut-down process leaves no session behind.
        """
        with self._guard:
            held, mine = set(self._held), set(self._mine - self._held)
        if mine:
            claimed = self._scripts["CLAIM_IDLE"](
                keys=self._keys, args=[self.timings.lease_s, *sorted(mine)])
            held |= {_text(t) for t in claimed}
        for token in sorted(held):
            self._logout_and_discard(token)

    # --- internals ---

    def _checkout(self, owner: str) -> tuple[str, str]:
        t = self.timings
        verb, token = self._scripts["CHECKOUT"](
            keys=self._keys, args=[self.server.max_sessions, t.idle_s, t.lease_s, owner,
                                   t.lock_ttl_ms])
        return _text(verb), _text(token)

    def _login(self, owner: str) -> str:
        try:
            token = self._transport_login()
        except BaseException:
            self._scripts["ABORT_LOGIN"](keys=self._keys[2:3], args=[owner])
            raise
        self._scripts["COMMIT_LOGIN"](keys=self._keys, args=[token, owner, self.timings.lease_s])
        with self._guard:
            self._mine.add(token)
        log.info("FileMaker %s: logged in a new Data API session", self.server.name)
        return token

    def _transport_login(self) -> str:
        reply = self._transport.request(
            "POST", self._transport.database_path("sessions"),
            basic=(self.server.username, self.server.password.value), body={},
            read_timeout_s=D.DEFAULT_FM_LOGIN_TIMEOUT_S)
        token = reply.headers.get("X-FM-Data-Access-Token") or reply.response.get("token")
        if not token:
            raise Unavailable(f"FileMaker {self.server.name}: login answered without a token",
                              delay_s=self.timings.busy_delay_s)
        return str(token)

    def _logout_and_discard(self, token: str) -> None:
        try:
            self._transport.request("DELETE", self._transport.database_path("sessions", token),
                                    read_timeout_s=D.DEFAULT_FM_LOGIN_TIMEOUT_S)
        except Outcome as exc:
            log.debug("FileMaker %s: logout failed (%s); the token expires by itself",
                      self.server.name, exc)
        self.discard(Lease(token))

    def _hold(self, lease: Lease) -> Lease:
        with self._guard:
            self._held.add(lease.token)
        return lease

    def _let_go(self, token: str) -> None:
        with self._guard:
            self._held.discard(token)


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
