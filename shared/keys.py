"""Every Redis key Hookmaker uses, named in one place, all under one prefix."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Keys:
    prefix: str

    # --- event store ---
    def event(self, event_id: str) -> str:
        """Hash: the envelope, state, attempts, history of one event."""
        return f"{self.prefix}:ev:{event_id}"

    def dedupe(self, source: str, dedupe_key: str) -> str:
        """String: the id of the event that holds this source's dedupe key."""
        return f"{self.prefix}:dd:{source}:{dedupe_key}"

    @property
    def due(self) -> str:
        """Sorted set: events waiting to be worked on (received or scheduled), by due time."""
        return f"{self.prefix}:due"

    @property
    def leases(self) -> str:
        """Sorted set: events in progress, by lease expiry."""
        return f"{self.prefix}:leases"

    @property
    def counts(self) -> str:
        """Hash: how many events are in each state, plus ``accepted`` and ``duplicates``."""
        return f"{self.prefix}:counts"

    @property
    def dead(self) -> str:
        """Sorted set: dead-lettered event ids, by time of death."""
        return f"{self.prefix}:dead"

    @property
    def pending(self) -> str:
        """Sorted set: events not yet final, by time received (the oldest is the backlog's age)."""
        return f"{self.prefix}:pending"

    @property
    def timeline(self) -> str:
        """Sorted set: every stored event id, by time received (for listing and retention)."""
        return f"{self.prefix}:timeline"

    # --- FileMaker protection ---
    def fm_tokens(self, server: str) -> str:
        """Sorted set: pooled Data API session tokens of one server, by last use."""
        return f"{self.prefix}:fm:{server}:tokens"

    def fm_token_busy(self, server: str) -> str:
        """Hash: token -> lease expiry, for tokens checked out by a worker."""
        return f"{self.prefix}:fm:{server}:busy"

    def fm_login_lock(self, server: str) -> str:
        """String: held while one process logs in, so logins never storm."""
        return f"{self.prefix}:fm:{server}:login"

    def fm_rate(self, server: str) -> str:
        """String: the GCRA theoretical arrival time of the server's request budget."""
        return f"{self.prefix}:fm:{server}:rate"

    def fm_in_flight(self, server: str) -> str:
        """Sorted set: requests in flight to the server, by slot expiry."""
        return f"{self.prefix}:fm:{server}:inflight"

    def fm_circuit(self, server: str) -> str:
        """Hash: the server's circuit state (closed, open, half-open, halted)."""
        return f"{self.prefix}:fm:{server}:circuit"

    # --- ingress ---
    def rate(self, name: str) -> str:
        """String: the GCRA theoretical arrival time of an ingress rate limit."""
        return f"{self.prefix}:rl:{name}"
