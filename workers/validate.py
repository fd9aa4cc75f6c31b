"""Stage 1, validate: which route wants the event, and can that route read it."""

from __future__ import annotations

from shared.errors import Invalid
from workers.context import Delivery
from workers.runtime import Runtime


def run(delivery: Delivery, runtime: Runtime) -> None:
    """Pick the route; an event no route wants is recorded as ignored, not lost.

    Raises:
        Invalid: the route maps fields from JSON and the body is not JSON.
    """
    envelope = delivery.record.envelope
    route = runtime.config.route_for(envelope.source, envelope.event_type)
    if route is None:
        delivery.done("ignored", f"no route wants {envelope.source} event "
                                 f"{envelope.event_type or '(no type)'}")
        return
    delivery.route = route
    if _reads_json(route):
        try:
            envelope.json()
        except ValueError:
            raise Invalid(f"route {route.name!r} maps fields from JSON, and the body is not "
                          "JSON") from None


def _reads_json(route) -> bool:
    return any(spec.origin == "path" for spec in route.fields.values())
