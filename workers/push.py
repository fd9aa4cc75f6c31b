"""Stage 4, push: the route's action against the FileMaker Data API."""

from __future__ import annotations

from shared.filemaker.actions import deliver
from workers.context import Delivery
from workers.runtime import Runtime


def run(delivery: Delivery, runtime: Runtime) -> None:
    """Raises the client's outcomes (Permanent, Transient, Unavailable, Halt) unchanged."""
    route = delivery.route
    result = deliver(runtime.filemaker(route.filemaker), route, delivery.record.envelope)
    if result.already_there:
        delivery.done("duplicate", f"FileMaker already held it (record {result.record_id})",
                      result.record_id)
    else:
        delivery.done("delivered", f"record {result.record_id}", result.record_id)
