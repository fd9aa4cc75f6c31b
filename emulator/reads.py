"""Reads: a single record, a range, a find, and the dedicated script endpoint."""

from __future__ import annotations

from typing import Any

from emulator.errors import FMError
from emulator.find import run_find
from emulator.flow import ActionResult, perform
from emulator.paging import page, parse_sort, sort_records
from emulator.records import RecordService, Target
from emulator.render import data_info, render_record
from emulator.sessions import Session
from emulator.values import normalize_dateformats


def response_target(svc: RecordService, target: Target, params: dict[str, Any]) -> Target:
    """The layout to answer with (``layout.response``), on the same table.

    Raises:
        FMError: 105 when it does not exist or shows another table.
    """
    name = params.get("layout.response")
    if not name:
        return target
    other = svc.target(target.db, str(name))
    if other.table.name != target.table.name:
        raise FMError("105", f"Layout is missing: {name} is not on table {target.table.name}")
    return other


def get_one(svc: RecordService, target: Target, session: Session, record_id: int,
            params: dict[str, Any], base_url: str) -> dict[str, Any]:
    """``GET .../records/{id}``: ``{"dataInfo", "data": [record]}``.

    Raises:
        FMError: 101, 104, 105, 960.
    """
    dateformats = normalize_dateformats(params.get("dateformats"))
    shown = response_target(svc, target, params)
    with svc.store.lock:
        flow = svc.flow(target, session, params)

        def action() -> ActionResult:
            svc.existing(target, record_id)
            return ActionResult([record_id], record_id,
                                lambda found, _: _answer(svc, shown, session, found, found,
                                                         dateformats, base_url))
        return perform(flow, action)


def get_range(svc: RecordService, target: Target, session: Session, params: dict[str, Any],
              base_url: str) -> dict[str, Any]:
    """``GET .../records?_offset&_limit&_sort``; an empty table answers 401.

    Raises:
        FMError: 401, 102, 104, 105, 960.
    """
    return _found_set(svc, target, session, params, base_url, query=None)


def find(svc: RecordService, target: Target, session: Session, body: dict[str, Any],
         base_url: str) -> dict[str, Any]:
    """``POST .../_find``; no match answers HTTP 500 code 401.

    Raises:
        FMError: 401, 400, 102, 104, 105, 508, 960.
    """
    params = {k: v for k, v in body.items() if k != "query"}
    params["_offset"], params["_limit"] = body.get("offset"), body.get("limit")
    params["_sort"] = body.get("sort")
    if "query" not in body:
        raise FMError("960", "Parameter is invalid: query is required")
    return _found_set(svc, target, session, params, base_url, query=body["query"])


def _found_set(svc: RecordService, target: Target, session: Session, params: dict[str, Any],
               base_url: str, query: Any) -> dict[str, Any]:
    dateformats = normalize_dateformats(params.get("dateformats"))
    shown = response_target(svc, target, params)
    rules = parse_sort(params.get("_sort"))
    with svc.store.lock:
        flow = svc.flow(target, session, params)
        rows = svc.store.rows(target.db.name, target.table.name)
        by_id = {r.record_id: r for r in rows}

        def action() -> ActionResult:
            ids = list(by_id)
            if query is not None:
                ids = run_find([(r.record_id, r.values) for r in rows], query,
                               target.table.fields, dateformats)
            if not ids:
                raise FMError("401")
            if not page(ids, params.get("_offset"), params.get("_limit")):
                raise FMError("401")
            return ActionResult(ids, None, respond, sort)

        def sort(ids: list[int]) -> list[int]:
            records = sort_records([by_id[i] for i in ids], rules, target.table.fields)
            return [r.record_id for r in records]

        def respond(found: list[int], _: int | None) -> dict[str, Any]:
            shown_ids = page(found, params.get("_offset"), params.get("_limit"))
            return _answer(svc, shown, session, found, shown_ids, dateformats, base_url)
        return perform(flow, action)


def _answer(svc: RecordService, shown: Target, session: Session, found: list[int],
            ids: list[int], dateformats: int, base_url: str) -> dict[str, Any]:
    records = [r for r in (svc.store.get(shown.db.name, shown.table.name, i) for i in ids) if r]
    data = [render_record(shown.layout, shown.table, r, session.globals, dateformats, base_url)
            for r in records]
    total = svc.store.count(shown.db.name, shown.table.name)
    return {"dataInfo": data_info(shown.db.name, shown.layout, total, len(found), len(data)),
            "data": data}


def run_named_script(svc: RecordService, target: Target, session: Session, name: str,
                     param: str | None) -> dict[str, Any]:
    """``GET .../script/{name}``: ``{"scriptResult"?, "scriptError"}``; the layout's first
    record is current.

    Raises:
        FMError: 104 when the script does not exist, 105.
    """
    params = {"script": name, "script.param": param}
    with svc.store.lock:
        flow = svc.flow(target, session, params)
        return perform(flow, lambda: ActionResult(flow.all_ids(), None, lambda f, r: {}))
