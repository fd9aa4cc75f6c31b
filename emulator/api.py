"""Data API routes: sessions, metadata and globals (records live in api_records.py)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, g, request
from flask.typing import ResponseReturnValue

from emulator import metadata
from emulator.envelope import ok
from emulator.errors import FMError
from emulator.reqparse import basic_credentials, bearer_token, json_body
from emulator.schema import Database
from emulator.sessions import Session
from emulator.state import Emulator
from emulator.values import to_storage

PREFIX = "/fmi/data/<any(v1, v2, vLatest):version>"
bp = Blueprint("data_api", __name__, url_prefix=PREFIX)


@bp.url_value_preprocessor
def _drop_version(endpoint: str | None, values: dict[str, Any] | None) -> None:
    if values is not None:
        values.pop("version", None)


def emu() -> Emulator:
    """The emulator serving this request."""
    return current_app.extensions["emulator"]


def authed(spelling: str) -> tuple[Session, Database]:
    """The session of the request's bearer token, bound to this database spelling.

    Raises:
        FMError: 10 without Authorization, 952 for a bad, expired or misspelt token.
    """
    session = emu().sessions.use(bearer_token(request), spelling)
    g.account = session.account
    return session, emu().schema.databases[session.database]


@bp.get("/productInfo")
def product_info() -> ResponseReturnValue:
    return ok(metadata.product_info())


@bp.get("/databases")
def databases() -> ResponseReturnValue:
    return ok(metadata.databases(emu().schema))


@bp.post("/databases/<db>/sessions")
@bp.post("/databases/<db>/sessions/")
def login(db: str) -> ResponseReturnValue:
    database = emu().schema.resolve(db)
    if database is None:
        raise FMError("802", f"Unable to open file: {db}")
    account, password = basic_credentials(request)
    g.account = account
    if database.accounts.get(account) != password:
        raise FMError("212")
    body = json_body(request)
    if not isinstance(body.get("fmDataSource", []), list):
        raise FMError("960", "Parameter is invalid: fmDataSource")
    session = emu().sessions.open(database.name, db, account)
    return ok({"token": session.token}, headers={"X-FM-Data-Access-Token": session.token})


@bp.delete("/databases/<db>/sessions/<token>")
def logout(db: str, token: str) -> ResponseReturnValue:
    emu().sessions.close(token, db)
    return ok({})


@bp.get("/validateSession")
def validate_session() -> ResponseReturnValue:
    session = emu().sessions.use(bearer_token(request))
    g.account = session.account
    return ok({"isSessionInUse": True})


@bp.get("/databases/<db>/layouts")
def layouts(db: str) -> ResponseReturnValue:
    _, database = authed(db)
    return ok(metadata.layouts(database))


@bp.get("/databases/<db>/layouts/<layout>")
def layout_metadata(db: str, layout: str) -> ResponseReturnValue:
    _, database = authed(db)
    target = emu().records.target(database, layout)
    return ok(metadata.layout_metadata(target.layout, target.table))


@bp.get("/databases/<db>/scripts")
def scripts(db: str) -> ResponseReturnValue:
    _, database = authed(db)
    return ok(metadata.scripts(database))


@bp.patch("/databases/<db>/globals")
def set_globals(db: str) -> ResponseReturnValue:
    session, database = authed(db)
    values = json_body(request).get("globalFields")
    if not isinstance(values, dict):
        raise FMError("960", "Parameter is invalid: globalFields")
    staged = {}
    for name, value in values.items():
        field = database.global_field(name)
        if field is None:
            raise FMError("102", f"Field is missing: {name}")
        staged[name] = to_storage(field, value)
    session.globals.update(staged)
    return ok({})
