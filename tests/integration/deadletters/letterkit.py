"""Dead letters made the way the worker makes them: accepted, claimed, buried."""

from __future__ import annotations

import json
import time

from shared.adminconfig import DlqSettings
from shared.deadletters import DeadLetters
from shared.envelope import Attempt, Envelope, new_ulid
from shared.eventstore import STATES, EventStore
from shared.keys import Keys
from shared.requeue import RequeueJobs

PREFIX = "dl"


class Letters:
    """A dead-letter store on the test's Redis, and a way to make letters."""

    def __init__(self, client, settings: DlqSettings, prefix: str = PREFIX) -> None:
        self.keys = Keys(prefix)
        self.store = EventStore(client, self.keys, retention_s=3600)
        self.dlq = DeadLetters(client, self.keys, settings=settings)
        self.jobs = RequeueJobs(self.dlq, settings)
        self.redis = client

    def accept(self, payload: dict, *, source: str = "stripe", event_type: str = "t.x",
               at: float | None = None, dedupe: str | None = None) -> str:
        env = Envelope(id=new_ulid(at), source=source, received_at=at or time.time(),
                       body=json.dumps(payload).encode(),
                       headers={"Stripe-Signature": "t=1,v1=abc"}, dedupe_key=dedupe,
                       event_type=event_type)
        assert self.store.accept(env, poke_after_s=60) is None
        return env.id

    def make(self, payload: dict | None = None, *, source: str = "stripe", route: str = "orders",
             code: str | None = "511", outcome: str = "permanent", db: str = "Hookmaker",
             message: str = "bad value", at: float | None = None) -> str:
        event_id = self.accept(payload or {"id": "evt"}, source=source, at=at)
        claim = self.store.claim(event_id, lease_s=30)
        assert claim.status == "claimed", claim
        attempt = Attempt(at=time.time(), outcome=outcome, message=message, code=code)
        assert self.dlq.add(event_id, claim.token, attempt,
                            {"route": route, "filemaker": "main", "last_error": message},
                            database=db, first_failure_at=attempt.at)
        return event_id

    def adds_up(self) -> bool:
        counts = self.store.counts()
        return sum(counts[s] for s in STATES) == counts["accepted"]
