"""Stage 2, dedupe: never write the same event to FileMaker twice.

The ingress already stores one event per dedupe key. What is left is the event itself
being pushed again: a worker killed after FileMaker wrote but before the outcome was
recorded, a timeout on a write that landed, a requeue. So whenever an earlier push may
have happened, FileMaker is asked first whether it holds the event id.
"""

from __future__ import annotations

from shared.filemaker.actions import find_by_event_id
from workers.context import Delivery
from workers.runtime import Runtime


def run(delivery: Delivery, runtime: Runtime) -> None:
    record = delivery.record
    if not record.history and record.lost == 0:
        return                      # first try: nothing can be there yet
    client = runtime.filemaker(delivery.route.filemaker)
    existing = find_by_event_id(client, delivery.route, record.envelope)
    if existing:
        delivery.done("duplicate", f"already in FileMaker as record {existing}", existing)
