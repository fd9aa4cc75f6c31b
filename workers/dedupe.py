"""Stage 3, dedupe: never write the same event to FileMaker twice.

Claim, then commit. The ingress stores one event per dedupe key (one atomic step), so the
event's claim in the store (``EventStore.claim``: a lease, held by one worker) is the claim
on its dedupe key, and ``settle`` commits it only after FileMaker confirmed the write. What
is left is the event being pushed again after an earlier push may have landed: a worker
killed between FileMaker's write and the commit (its lease expires, another worker
reclaims), a timeout on a write that landed, a requeue. Then FileMaker is asked first
whether it holds the event id (the route's ``event_id_field``; the inbox's ``EventId``).
"""

from __future__ import annotations

from shared.filemaker.actions import find_by_event_id
from workers.context import Delivery
from workers.runtime import Runtime


def run(delivery: Delivery, runtime: Runtime) -> None:
    record = delivery.record
    if runtime.config.worker.broken("no-dedupe-check"):
        return
    if not record.history and record.lost == 0:
        return                      # first try: nothing can be there yet
    client = runtime.filemaker(delivery.route.filemaker)
    existing = find_by_event_id(client, delivery.route, record.envelope)
    if existing:
        delivery.done("duplicate", f"already in FileMaker as record {existing}", existing)
