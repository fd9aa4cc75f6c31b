"""Deliver one event to FileMaker the way its route says: inbox, create, upsert or script.

``inbox``
    A record holding the raw payload and metadata (field names from ``DEFAULT_INBOX_FIELDS``,
    renamed or extended by the route's ``fields``), optionally with ``script`` run after it
    with the new record current and the event id as its parameter: the OttoFMS/WebInbox way.
``create``
    A record from the route's field mapping.
``upsert``
    Find the record whose ``key_field`` equals the mapped key; edit it, or create it when
    there is none (401). A 504 on that create means another writer got there first: find and
    edit it.
``script``
    Run ``script`` with the raw JSON body as its parameter: the dedicated GET route while the
    URL stays under ``DEFAULT_FM_MAX_URL_CHARS``, else a create (of the mapped fields, maybe
    none) carrying ``script`` and ``script.param`` in its body.

A unique-validation 504 on a create is "already there" when the event id lookup confirms it.
A ``scriptError`` other than "0" raises the outcome of its code, never a silent success.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

from shared import defaults as D
from shared.config import Route
from shared.envelope import Envelope
from shared.errors import Outcome, Permanent
from shared.filemaker import codes
from shared.filemaker.client import FileMakerClient
from shared.filemaker.mapping import FieldSpec, map_fields
from shared.filemaker.shapes import Script, exact

ISO_DATEFORMATS = 2


@dataclass(frozen=True)
class Delivery:
    """What a delivery did. ``already_there``: FileMaker held the record before (a 504).

    ``operation`` is ``create``, ``edit``, ``script`` or ``existing`` (nothing new written).
    """

    record_id: str | None
    already_there: bool = False
    script_result: str | None = None
    operation: str = "create"


# --- pure: what to send ---

def metadata(route: Route, envelope: Envelope) -> dict[str, Any]:
    """The ``@meta`` values of one event; ``received_at`` stays epoch seconds (see specs)."""
    return {
        "event_id": envelope.id, "source": envelope.source,
        "event_type": envelope.event_type or "", "received_at": envelope.received_at,
        "route": route.name, "payload": envelope.text(),
        "headers": json.dumps(dict(envelope.headers), ensure_ascii=False, sort_keys=True),
    }


def field_specs(route: Route) -> dict[str, FieldSpec]:
    """The mapping an action writes: the inbox defaults for ``inbox``, the route's otherwise.

    ``@received_at`` without a type becomes a FileMaker timestamp; ``event_id_field`` is
    added (mapped to ``@event_id``) when the route names it but does not map it.
    """
    specs: dict[str, FieldSpec] = {}
    if route.action == "inbox":
        renamed = {s.value for s in route.fields.values() if s.origin == "meta"}
        specs = {name: FieldSpec("meta", meta) for meta, name in D.DEFAULT_INBOX_FIELDS.items()
                 if meta not in renamed}
    specs.update(route.fields)
    if route.event_id_field and route.event_id_field not in specs:
        specs[route.event_id_field] = FieldSpec("meta", "event_id")
    return {name: _typed(spec) for name, spec in specs.items()}


def _typed(spec: FieldSpec) -> FieldSpec:
    if spec.origin == "meta" and spec.value == "received_at" and spec.kind == "auto":
        return replace(spec, kind="timestamp")
    return spec


def event_id_field(route: Route) -> str | None:
    """The field that holds the event id (the idempotency key), if the route has one."""
    if route.event_id_field:
        return route.event_id_field
    return next((name for name, spec in field_specs(route).items()
                 if spec.origin == "meta" and spec.value == "event_id"), None)


def field_data(route: Route, envelope: Envelope, *, iso_dates: bool = False) -> dict[str, Any]:
    """FileMaker ``fieldData`` for one event on its route.

    Raises:
        Permanent: the body is not JSON while the mapping reads it, or a mapped value is
            missing or cannot be converted.
    """
    specs = field_specs(route)
    payload: Any = None
    if any(spec.origin == "path" for spec in specs.values()):
        try:
            payload = envelope.json()
        except ValueError:
            raise Permanent(f"route {route.name!r} maps JSON paths, but the body is not "
                            "JSON") from None
    return map_fields(specs, payload, metadata(route, envelope), iso_dates=iso_dates)


def fits_in_url(url_length: int, limit: int = D.DEFAULT_FM_MAX_URL_CHARS) -> bool:
    """Whether the dedicated script route may carry the parameter in its URL."""
    return url_length <= limit


# --- I/O: send it ---

def deliver(client: FileMakerClient, route: Route, envelope: Envelope, *,
            iso_dates: bool = False) -> Delivery:
    """Write one event to FileMaker with the route's action.

    ``iso_dates``: format dates as ISO 8601 and send ``dateformats`` 2.

    Raises:
        Permanent: mapping problems, a missing or ambiguous upsert key, FileMaker codes that
            mean the event cannot go in as it is.
        Transient, Unavailable, Halt: as classified by :mod:`shared.filemaker.codes`.
    """
    data = field_data(route, envelope, iso_dates=iso_dates)
    formats = ISO_DATEFORMATS if iso_dates else None
    if route.action == "upsert":
        return _upsert(client, route, envelope, data, formats)
    if route.action == "script":
        return _script(client, route, envelope, data, formats)
    script = Script(route.script, envelope.id) if route.action == "inbox" and route.script \
        else None
    return _create(client, route, envelope, data, script, formats)


def find_by_event_id(client: FileMakerClient, route: Route, envelope: Envelope) -> str | None:
    """The record id holding this event, if any; None when the route has no event-id field.

    The worker asks this after a crash, before writing again.

    Raises:
        Outcome: the lookup failed (no match is None, not an error).
    """
    name = event_id_field(route)
    if name is None:
        return None
    found = client.find(route.layout, [{name: exact(envelope.id)}], limit=1)
    return found[0].record_id if found else None


def _create(client: FileMakerClient, route: Route, envelope: Envelope, data: dict[str, Any],
            script: Script | None, formats: int | None) -> Delivery:
    operation = "script" if route.action == "script" else "create"
    try:
        written = client.create(route.layout, data, script=script, dateformats=formats)
    except Outcome as exc:
        if exc.code != codes.NOT_UNIQUE:
            raise
        return _existing(client, route, envelope, script, exc)
    return Delivery(written.record_id, False, written.script_result, operation)


def _existing(client: FileMakerClient, route: Route, envelope: Envelope,
              script: Script | None, not_unique: Outcome) -> Delivery:
    """After a 504: confirm the event is there by its id, or re-raise the 504.

    With an inbox script the script runs again on the record found (the find carries it):
    it may never have run, or failed, or its answer was lost. Inbox scripts must therefore
    be idempotent, as WebInbox asks of its scripts too.
    """
    name = event_id_field(route)
    if name is None:
        return Delivery(None, True, None, "existing")
    found = client.find_set(route.layout, [{name: exact(envelope.id)}], limit=1,
                            script=script)
    if not found.records:
        raise not_unique
    return Delivery(found.records[0].record_id, True, found.script_result, "existing")


def _upsert(client: FileMakerClient, route: Route, envelope: Envelope, data: dict[str, Any],
            formats: int | None) -> Delivery:
    key_field = route.key_field or ""
    key = data.get(key_field)
    if key in (None, ""):
        raise Permanent(f"route {route.name!r}: the upsert key {key_field!r} has no value; "
                        "map it in the route's fields")
    record_id = _find_by_key(client, route, key)
    if record_id is not None:
        written = client.edit(route.layout, record_id, data, dateformats=formats)
        return Delivery(record_id, False, written.script_result, "edit")
    try:
        written = client.create(route.layout, data, dateformats=formats)
    except Outcome as exc:
        if exc.code != codes.NOT_UNIQUE:
            raise
        # Another writer created the record between our find and our create.
        record_id = _find_by_key(client, route, key)
        if record_id is None:
            raise                       # another unique field refused the value
        written = client.edit(route.layout, record_id, data, dateformats=formats)
        return Delivery(record_id, True, written.script_result, "edit")
    return Delivery(written.record_id, False, written.script_result, "create")


def _find_by_key(client: FileMakerClient, route: Route, key: Any) -> str | None:
    key_field = route.key_field or ""
    found = client.find(route.layout, [{key_field: exact(key)}], limit=D.DEFAULT_FM_FIND_LIMIT)
    if len(found) > 1:
        raise Permanent(f"route {route.name!r}: several records have {key_field} = {key!r}; "
                        "an upsert key must be unique")
    return found[0].record_id if found else None


def _script(client: FileMakerClient, route: Route, envelope: Envelope, data: dict[str, Any],
            formats: int | None) -> Delivery:
    script_name = route.script or ""
    param = envelope.text()
    if fits_in_url(client.script_url_length(route.layout, script_name, param)):
        result = client.run_script(route.layout, script_name, param)
        return Delivery(None, False, result, "script")
    return _create(client, route, envelope, data, Script(script_name, param), formats)

