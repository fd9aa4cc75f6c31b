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

    @property
    def expiring(self) -> str:
        """Sorted set: final events whose hash has a TTL, by when it expires (so their
        ``timeline`` entries go with them)."""
        return f"{self.prefix}:expiring"

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

    def fm_token_retiring(self, server: str) -> str:
        """Set: checked-out tokens whose creator shut down; logged out when checked in."""
        return f"{self.prefix}:fm:{server}:retiring"

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

    @property
    def rate_global(self) -> str:
        """String: the GCRA theoretical arrival time of the ingress's global rate limit
        (``rl:`` followed by a source name never collides with it)."""
        return f"{self.prefix}:rlg"

    # --- dead letters and the console (issue 6: shared/deadletters.py, shared/requeue.py,
    # shared/audit.py). Dead letters are event hashes in state "dead"; these keys index them.
    @property
    def dlq_index_prefix(self) -> str:
        """Prefix of the facet indexes (the Lua scripts append ``dim:value``)."""
        return f"{self.prefix}:dlq:ix:"

    def dlq_index(self, dim: str, value: str) -> str:
        """Sorted set: dead letters with one facet value (source, route, db, class, code),
        by time of death."""
        return f"{self.dlq_index_prefix}{dim}:{value}"

    @property
    def dlq_facets_prefix(self) -> str:
        return f"{self.prefix}:dlq:facet:"

    def dlq_facets(self, dim: str) -> str:
        """Hash: facet value -> how many dead letters have it (filters, 'dead by reason')."""
        return f"{self.dlq_facets_prefix}{dim}"

    @property
    def dlq_audit(self) -> str:
        """Stream: who did what to which dead letters, with the filter used."""
        return f"{self.prefix}:dlq:audit"

    def dlq_job(self, job_id: str) -> str:
        """Hash: one bulk requeue job (filter, who, rate, progress, state)."""
        return f"{self.prefix}:dlq:job:{job_id}"

    def dlq_job_ids(self, job_id: str) -> str:
        """List: the ids a bulk requeue job still has to requeue (snapshotted at creation)."""
        return f"{self.prefix}:dlq:job:{job_id}:ids"

    @property
    def dlq_jobs(self) -> str:
        """Sorted set: every bulk requeue job id, by creation time."""
        return f"{self.prefix}:dlq:jobs"

    @property
    def dlq_jobs_running(self) -> str:
        """Set: the ids of bulk requeue jobs still running (what reconcilers step)."""
        return f"{self.prefix}:dlq:jobs:running"

    @property
    def dlq_trim_lock(self) -> str:
        """String: held for a minute by the reconciler that last applied DLQ retention."""
        return f"{self.prefix}:dlq:trim"
