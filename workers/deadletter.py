"""Stage 5, deadletter: an event that cannot be delivered is kept, whole, for people.

``bury`` is the one way an event becomes a dead letter: atomically, with its full envelope,
the final outcome, and the attempt history it already carries.
"""

from __future__ import annotations

from shared.envelope import Attempt
from workers.context import Delivery
from workers.runtime import Runtime


def bury(delivery: Delivery, runtime: Runtime, attempt: Attempt | None,
         extra: dict[str, str]) -> bool:
    """Move the claimed event to the dead-letter store; False if the claim was lost."""
    return runtime.store.finish(delivery.event_id, delivery.claim, "dead", attempt=attempt,
                                spend_attempt=True, extra=extra)
