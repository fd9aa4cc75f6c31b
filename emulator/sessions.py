"""Data API sessions: 52-hex tokens, sliding idle expiry, a cap per database, per-session
globals, and each token bound to the database spelling used at login."""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, field
from typing import Any

from emulator.clock import Clock
from emulator.defaults import TOKEN_BYTES
from emulator.errors import FMError


@dataclass
class Session:
    """One logged-in session; ``spelling`` is the database name exactly as in the login URL."""

    token: str
    database: str
    spelling: str
    account: str
    last_used: float
    globals: dict[str, Any] = field(default_factory=dict)


class SessionRegistry:
    """Thread-safe registry of open sessions."""

    def __init__(self, clock: Clock, idle_s: float, cap: int) -> None:
        self._clock = clock
        self._idle_s = idle_s
        self.cap = cap
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()
        self.logins = 0
        self.logouts = 0

    def open(self, database: str, spelling: str, account: str) -> Session:
        """Open a session for ``account`` on ``database``.

        Raises:
            FMError: 812 "Exceeded host's capacity" when the database already has ``cap``
                open sessions.
        """
        with self._lock:
            self._purge()
            if sum(1 for s in self._sessions.values() if s.database == database) >= self.cap:
                raise FMError("812")
            token = secrets.token_hex(TOKEN_BYTES)
            session = Session(token, database, spelling, account, self._clock.now())
            self._sessions[token] = session
            self.logins += 1
            return session

    def use(self, token: str, spelling: str | None = None) -> Session:
        """The live session for ``token``, its idle timer reset.

        ``spelling`` (the database segment of the URL) must equal the login spelling.

        Raises:
            FMError: 952 when the token is unknown, expired or used with another spelling.
        """
        with self._lock:
            session = self._sessions.get(token)
            now = self._clock.now()
            if session is None or now - session.last_used > self._idle_s:
                self._sessions.pop(token, None)
                raise FMError("952")
            if spelling is not None and spelling != session.spelling:
                raise FMError("952")
            session.last_used = now
            return session

    def close(self, token: str, spelling: str) -> None:
        """Log out ``token``.

        Raises:
            FMError: 952 when the token is not a live session of that database spelling.
        """
        self.use(token, spelling)
        with self._lock:
            self._sessions.pop(token, None)
            self.logouts += 1

    def invalidate_all(self) -> int:
        """Drop every session, as a server restart does; returns how many were open."""
        with self._lock:
            count = len(self._sessions)
            self._sessions.clear()
            return count

    def open_counts(self) -> dict[str, int]:
        """Open (not expired) sessions per database."""
        with self._lock:
            self._purge()
            counts: dict[str, int] = {}
            for session in self._sessions.values():
                counts[session.database] = counts.get(session.database, 0) + 1
            return counts

    def reset(self) -> None:
        """Drop all sessions and zero the counters."""
        with self._lock:
            self._sessions.clear()
            self.logins = self.logouts = 0

    def _purge(self) -> None:
        now = self._clock.now()
        expired = [t for t, s in self._sessions.items() if now - s.last_used > self._idle_s]
        for token in expired:
            del self._sessions[token]
