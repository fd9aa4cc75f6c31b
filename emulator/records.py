"""Record writes (create, edit, duplicate, delete, container upload) with field rules,
auto-enter values, record locks and scripts."""

from __future__ import annotations

import mimetypes
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Protocol

from emulator.clock import Clock
from emulator.errors import FMError
from emulator.flow import ActionResult, FlowContext, perform
from emulator.rules import check_not_empty, check_unique, layout_field, prepare_write
from emulator.schema import Database, Layout, Schema, Table
from emulator.scripts import BoundScript, ScriptContext, requested_scripts
from emulator.sessions import Session
from emulator.store import Store, StoredRecord
from emulator.values import normalize_dateformats

CONTAINER_PATH = "/Streaming_SSL/MainDB/{key}{ext}?RCType=EmbeddedRCFileProcessor"


class LockCheck(Protocol):
    def is_locked(self, database: str, table: str, record_id: int) -> bool: ...


@dataclass(frozen=True)
class Target:
    """A resolved database, layout and its table."""

    db: Database
    layout: Layout
    table: Table


def parse_record_id(raw: str) -> int:
    """A recordId from the URL.

    Raises:
        FMError: 101 when it is not a positive whole number.
    """
    if not raw.isdigit() or int(raw) < 1:
        raise FMError("101")
    return int(raw)


class RecordService:
    """Record operations of one emulated server."""

    def __init__(self, schema: Schema, store: Store, clock: Clock, locks: LockCheck,
                 registries: dict[str, dict[str, BoundScript]]) -> None:
        self.schema = schema
        self.store = store
        self.clock = clock
        self.locks = locks
        self.registries = registries

    def target(self, db: Database, layout_name: str) -> Target:
        """The layout ``layout_name`` of ``db``.

        Raises:
            FMError: 105 when the layout does not exist.
        """
        layout = db.layouts.get(layout_name)
        if layout is None:
            raise FMError("105", f"Layout is missing: {layout_name}")
        return Target(db, layout, db.tables[layout.table])

    def flow(self, target: Target, session: Session | None, params: dict[str, Any]) -> FlowContext:
        """The flow context of a request, with its scripts checked (104 when missing)."""
        scripts = requested_scripts(params, self.registries[target.db.name])
        return FlowContext(target.db.name, target.layout.name, session, self,
                           lambda: [r.record_id for r in self._rows(target)], scripts)

    def existing(self, target: Target, record_id: int) -> StoredRecord:
        """The stored record.

        Raises:
            FMError: 101 when it does not exist.
        """
        record = self.store.get(target.db.name, target.table.name, record_id)
        if record is None:
            raise FMError("101")
        return record

    def create(self, target: Target, session: Session, body: dict[str, Any]) -> dict[str, Any]:
        """Create a record from ``fieldData``; response ``{"recordId", "modId"}``.

        Raises:
            FMError: 10 without fieldData, 102 for portalData, field rule errors, 104.
        """
        field_data = body.get("fieldData")
        if field_data is None:
            raise FMError("10", "fieldData is missing", http_status=500)
        if body.get("portalData"):
            raise FMError("102", "Field is missing: portals are not emulated")
        dateformats = normalize_dateformats(body.get("dateformats"))
        with self.store.lock:
            flow = self.flow(target, session, body)

            def action() -> ActionResult:
                values = prepare_write(target.layout, target.table, field_data, dateformats)
                rid = self._insert(target, values, session)
                return ActionResult([rid], rid, lambda f, r: self._ids(target, r))
            return perform(flow, action)

    def edit(self, target: Target, session: Session, record_id: int,
             body: dict[str, Any]) -> dict[str, Any]:
        """Edit the given fields; ``{}`` changes nothing. Response ``{"modId"}``.

        Raises:
            FMError: 101, 301 (locked), 306 (modId mismatch), field rule errors, 104.
        """
        field_data = body.get("fieldData")
        if field_data is None:
            raise FMError("10", "fieldData is missing", http_status=500)
        dateformats = normalize_dateformats(body.get("dateformats"))
        with self.store.lock:
            flow = self.flow(target, session, body)

            def action() -> ActionResult:
                record = self._editable(target, record_id, body.get("modId"))
                values = prepare_write(target.layout, target.table, field_data, dateformats)
                if values:
                    self._update(target, record, values)
                return ActionResult([record_id], record_id,
                                    lambda f, r: {"modId": self._ids(target, r)["modId"]})
            return perform(flow, action)

    def duplicate(self, target: Target, session: Session, record_id: int,
                  body: dict[str, Any]) -> dict[str, Any]:
        """Duplicate a record (auto-enter creation values are new). ``{"recordId","modId"}``.

        Raises:
            FMError: 101, 504 when a unique field would repeat, 104.
        """
        with self.store.lock:
            flow = self.flow(target, session, body)

            def action() -> ActionResult:
                source = self.existing(target, record_id)
                values = {k: v for k, v in source.values.items()
                          if target.table.fields.get(k) is None
                          or target.table.fields[k].auto_enter is None}
                rid = self._insert(target, values, session)
                return ActionResult([rid], rid, lambda f, r: self._ids(target, r))
            return perform(flow, action)

    def delete(self, target: Target, session: Session, record_id: int,
               params: dict[str, Any]) -> dict[str, Any]:
        """Delete a record; response ``{}``.

        Raises:
            FMError: 101, 301 (locked), 104.
        """
        with self.store.lock:
            flow = self.flow(target, session, params)

            def action() -> ActionResult:
                self._editable(target, record_id, None)
                self.store.delete(target.db.name, target.table.name, record_id)
                return ActionResult([], None, lambda f, r: {})
            return perform(flow, action)

    def upload(self, target: Target, record_id: int, field_name: str, repetition: str,
               upload: tuple[str, str, bytes] | None, mod_id: str | None) -> dict[str, Any]:
        """Store container data from the multipart part ``upload``; response ``{"modId"}``.

        Raises:
            FMError: 102, 111, 960 (not a container, no ``upload`` part), 101, 301, 306.
        """
        field = layout_field(target.layout, target.table, field_name)
        if repetition != "1":
            raise FMError("111")
        if field.type != "container":
            raise FMError("960", f"Parameter is invalid: {field_name} is not a container")
        if upload is None:
            raise FMError("960", "Upload payload must contain a part named 'upload'.")
        filename, mime, data = upload
        ext = mimetypes.guess_extension(mime) or "" if "." not in filename \
            else "." + filename.rsplit(".", 1)[1]
        key = secrets.token_hex(16).upper()
        with self.store.lock:
            record = self._editable(target, record_id, mod_id)
            self.store.put_container(key, filename, mime, data)
            mod = self._update(target, record, {field.name: CONTAINER_PATH.format(key=key, ext=ext)})
        return {"modId": str(mod)}

    def script_set_fields(self, ctx: ScriptContext, record_id: int,
                          field_data: dict[str, Any]) -> None:
        """Set fields from a script (field rules apply; the error becomes scriptError)."""
        target = self.target(self.schema.databases[ctx.database], ctx.layout)
        record = self._editable(target, record_id, None)
        self._update(target, record, prepare_write(target.layout, target.table, field_data))

    def script_create(self, ctx: ScriptContext, field_data: dict[str, Any]) -> int:
        """Create a record from a script; returns its recordId."""
        target = self.target(self.schema.databases[ctx.database], ctx.layout)
        return self._insert(target, prepare_write(target.layout, target.table, field_data), None)

    def _rows(self, target: Target) -> list[StoredRecord]:
        return self.store.rows(target.db.name, target.table.name)

    def _holders(self, target: Target):
        db, table = target.db.name, target.table.name
        return lambda name, value: self.store.holders(db, table, name, value)

    def _ids(self, target: Target, record_id: int | None) -> dict[str, str]:
        record = self.existing(target, record_id) if record_id is not None else None
        return {"recordId": str(record_id), "modId": str(record.mod_id if record else 0)}

    def _editable(self, target: Target, record_id: int, mod_id: Any) -> StoredRecord:
        record = self.existing(target, record_id)
        if self.locks.is_locked(target.db.name, target.table.name, record_id):
            raise FMError("301")
        if mod_id not in (None, "") and str(mod_id) != str(record.mod_id):
            raise FMError("306")
        return record

    def _insert(self, target: Target, values: dict[str, Any], session: Session | None) -> int:
        table = target.table
        full = {name: "" for name, f in table.fields.items() if not f.is_global}
        full.update(values)
        full.update(self._auto_values(target, session, creating=True))
        check_not_empty(table, full)
        check_unique(table, full, self._holders(target))
        return self.store.insert(target.db.name, table.name, full)

    def _update(self, target: Target, record: StoredRecord, values: dict[str, Any]) -> int:
        table = target.table
        merged = {**record.values, **values, **self._auto_values(target, None, creating=False)}
        check_not_empty(table, merged, values.keys())
        check_unique(table, merged, self._holders(target), record.record_id, values.keys())
        return self.store.update(target.db.name, table.name, record.record_id, merged)

    def _auto_values(self, target: Target, session: Session | None, creating: bool) -> dict:
        now = datetime.fromtimestamp(self.clock.now(), tz=timezone.utc).replace(tzinfo=None)
        stamp = now.replace(microsecond=0).isoformat(sep=" ")
        out: dict[str, Any] = {}
        for name, field in target.table.fields.items():
            auto = field.auto_enter
            if auto == "modification_timestamp" or (creating and auto == "creation_timestamp"):
                out[name] = stamp if field.type != "date" else stamp[:10]
            elif creating and auto == "creation_date":
                out[name] = stamp[:10]
            elif creating and auto == "serial":
                serial = self.store.next_counter(target.db.name, target.table.name, f"serial:{name}")
                out[name] = serial if field.type == "number" else str(serial)
            elif creating and auto == "account_name":
                out[name] = session.account if session else ""
        return out
