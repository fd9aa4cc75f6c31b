"""Data API routes on a layout: records, find, scripts, container upload."""

from __future__ import annotations

from flask import request
from flask.typing import ResponseReturnValue

from emulator import reads
from emulator.api import authed, bp, emu
from emulator.envelope import ok
from emulator.records import Target, parse_record_id
from emulator.reqparse import json_body, query_params, upload_part
from emulator.sessions import Session

LAYOUT = "/databases/<db>/layouts/<layout>"


def _target(db: str, layout: str) -> tuple[Session, Target]:
    session, database = authed(db)
    return session, emu().records.target(database, layout)


@bp.post(LAYOUT + "/records")
def create_record(db: str, layout: str) -> ResponseReturnValue:
    session, target = _target(db, layout)
    return ok(emu().records.create(target, session, json_body(request)))


@bp.get(LAYOUT + "/records")
def get_range(db: str, layout: str) -> ResponseReturnValue:
    session, target = _target(db, layout)
    return ok(reads.get_range(emu().records, target, session, query_params(request),
                              request.host_url))


@bp.get(LAYOUT + "/records/<record_id>")
def get_record(db: str, layout: str, record_id: str) -> ResponseReturnValue:
    session, target = _target(db, layout)
    return ok(reads.get_one(emu().records, target, session, parse_record_id(record_id),
                            query_params(request), request.host_url))


@bp.patch(LAYOUT + "/records/<record_id>")
def edit_record(db: str, layout: str, record_id: str) -> ResponseReturnValue:
    session, target = _target(db, layout)
    return ok(emu().records.edit(target, session, parse_record_id(record_id),
                                 json_body(request)))


@bp.post(LAYOUT + "/records/<record_id>")
def duplicate_record(db: str, layout: str, record_id: str) -> ResponseReturnValue:
    session, target = _target(db, layout)
    return ok(emu().records.duplicate(target, session, parse_record_id(record_id),
                                      json_body(request)))


@bp.delete(LAYOUT + "/records/<record_id>")
def delete_record(db: str, layout: str, record_id: str) -> ResponseReturnValue:
    session, target = _target(db, layout)
    return ok(emu().records.delete(target, session, parse_record_id(record_id),
                                   query_params(request)))


@bp.post(LAYOUT + "/_find")
def find(db: str, layout: str) -> ResponseReturnValue:
    session, target = _target(db, layout)
    return ok(reads.find(emu().records, target, session, json_body(request),
                         request.host_url))


@bp.get(LAYOUT + "/script/<script>")
def run_script(db: str, layout: str, script: str) -> ResponseReturnValue:
    session, target = _target(db, layout)
    return ok(reads.run_named_script(emu().records, target, session, script,
                                     request.args.get("script.param")))


@bp.post(LAYOUT + "/records/<record_id>/containers/<field>/<repetition>")
def upload_container(db: str, layout: str, record_id: str, field: str,
                     repetition: str) -> ResponseReturnValue:
    _, target = _target(db, layout)
    rid = parse_record_id(record_id)
    return ok(emu().records.upload(target, rid, field, repetition, upload_part(request),
                                   request.args.get("modId")))
