"""Stage 1, validate: which route wants the event, and can that route read it.

An event no route wants is recorded as ``ignored``, not lost. An event its route cannot
read (not JSON where fields are mapped from JSON, or failing the route's JSON Schema) is
``Invalid``: dead-lettered with the reason, never retried.
"""

from __future__ import annotations

from typing import Any

from shared.config import Route
from shared.errors import Invalid
from workers.context import Delivery
from workers.runtime import Runtime

MAX_SCHEMA_ERRORS = 5


def run(delivery: Delivery, runtime: Runtime) -> None:
    """Pick the route, then check the payload against what the route needs.

    Raises:
        Invalid: the body is not JSON where the route reads JSON, or fails its schema.
    """
    envelope = delivery.record.envelope
    route = runtime.config.route_for(envelope.source, envelope.event_type)
    if route is None:
        delivery.done("ignored", f"no route wants {envelope.source} event "
                                 f"{envelope.event_type or '(no type)'}")
        return
    delivery.route = route
    if not (route.schema is not None or _reads_json(route)):
        return
    try:
        payload = envelope.json()
    except ValueError:
        raise Invalid(f"route {route.name!r} reads JSON, and the body is not JSON") from None
    if route.schema is not None:
        problems = schema_errors(route, payload)
        if problems:
            raise Invalid(f"route {route.name!r}: the payload fails its schema: "
                          + "; ".join(problems))


def schema_errors(route: Route, payload: Any) -> list[str]:
    """The first few schema violations, each as ``/json/pointer: message``."""
    errors = sorted(_validator(route).iter_errors(payload), key=lambda e: list(e.path))
    return [f"/{'/'.join(str(p) for p in e.path)}: {e.message}"
            for e in errors[:MAX_SCHEMA_ERRORS]]


_VALIDATORS: dict[int, Any] = {}      # id(route.schema) -> validator; config lives on


def _validator(route: Route):
    from jsonschema import validators  # noqa: PLC0415 - only for routes with schemas
    key = id(route.schema)
    if key not in _VALIDATORS:
        schema = _plain(route.schema)
        _VALIDATORS[key] = validators.validator_for(schema)(schema)
    return _VALIDATORS[key]


def _plain(value: Any) -> Any:
    if hasattr(value, "items"):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _reads_json(route: Route) -> bool:
    return any(spec.origin == "path" for spec in route.fields.values())
