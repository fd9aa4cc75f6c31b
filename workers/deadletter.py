"""Stage 5, deadletter: an event that cannot be delivered is kept, whole, for people.

``bury`` is the one way an event becomes a dead letter: atomically, with its full envelope,
the final outcome, and the attempt history it already carries, and indexed for the console
(``shared.deadletters.DeadLetters.add``, one Lua script).
"""

from __future__ import annotations

from shared.deadletters import DeadLetters
from shared.envelope import Attempt
from shared.search import searchable
from workers.context import Delivery
from workers.runtime import Runtime

NOT_FAILURES = ("delivered", "duplicate", "ignored", "requeued")


def bury(delivery: Delivery, runtime: Runtime, attempt: Attempt | None,
         extra: dict[str, str]) -> bool:
    """Move the claimed event to the dead-letter store; False if the claim was lost."""
    server = runtime.config.filemaker.get(extra.get("filemaker", ""))
    failures = [a.at for a in delivery.record.history if a.outcome not in NOT_FAILURES]
    if attempt is not None:
        failures.append(attempt.at)
    extra = {**extra, "dlq_text": searchable(delivery.record.envelope.body)}
    letters = DeadLetters(runtime.redis, runtime.keys,
                          retention_s=runtime.config.worker.retention_s)
    return letters.add(delivery.event_id, delivery.claim.token, attempt, extra,
                       database=server.database if server else "",
                       first_failure_at=min(failures, default=0.0) or delivery.record.updated_at)
