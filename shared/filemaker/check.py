"""``hookmaker check``: does every route's layout, field and script exist in FileMaker?

For each route: log in (through the shared session pool), confirm the layout, every field
the route writes (read from the layout's metadata, the key and event-id fields included) and
the script. The result is a list of rows; :func:`format_table` prints them and
:func:`all_ok` decides the exit status.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable

import redis

from shared.config import Config, FileMakerServer, Route
from shared.errors import Outcome
from shared.filemaker import shapes
from shared.filemaker.actions import field_specs
from shared.filemaker.client import FileMakerClient
from shared.keys import Keys
from shared.texttable import text_table


@dataclass(frozen=True)
class CheckRow:
    """One thing checked for one route."""

    route: str
    server: str
    item: str              # "login", "layout Orders", "field Amount", "script Post"
    ok: bool
    detail: str = ""


ClientFactory = Callable[[FileMakerServer, redis.Redis, Keys], FileMakerClient]


def check_routes(config: Config, redis_client: redis.Redis, keys: Keys, *,
                 client_factory: ClientFactory = FileMakerClient) -> list[CheckRow]:
    """Check every route of ``config`` against its FileMaker server.

    Never raises for FileMaker problems: each becomes a row with ``ok`` False.
    """
    clients: dict[str, FileMakerClient] = {}
    rows: list[CheckRow] = []
    try:
        for route in config.routes:
            server = config.filemaker[route.filemaker]
            if server.name not in clients:
                clients[server.name] = client_factory(server, redis_client, keys)
            rows.extend(check_route(clients[server.name], route))
    finally:
        for client in clients.values():
            client.close()
    return rows


def check_route(client: FileMakerClient, route: Route) -> list[CheckRow]:
    """The rows for one route; stops at the first thing the rest depends on."""
    row = _rower(route, client.server.name)
    try:
        layouts = client.layouts()
    except Outcome as exc:
        return [row("login", False, _why(exc))]
    rows = [row("login", True, f"as {client.server.username} on {client.server.database}")]
    if route.layout not in layouts:
        return rows + [row(f"layout {route.layout}", False, "no such layout")]
    try:
        fields = set(shapes.field_names(client.layout_metadata(route.layout)))
    except Outcome as exc:
        return rows + [row(f"layout {route.layout}", False, _why(exc))]
    rows.append(row(f"layout {route.layout}", True, f"{len(fields)} fields"))
    for name in wanted_fields(route):
        rows.append(row(f"field {name}", name in fields,
                        "on the layout" if name in fields else "not on the layout"))
    if route.script:
        rows.append(_script_row(client, route, row))
    return rows


def wanted_fields(route: Route) -> list[str]:
    """Every field the route writes or looks up, in a stable order. Pure."""
    names = list(field_specs(route))
    for extra in (route.key_field, route.event_id_field):
        if extra and extra not in names:
            names.append(extra)
    return names


def _script_row(client: FileMakerClient, route: Route,
                row: Callable[[str, bool, str], CheckRow]) -> CheckRow:
    label = f"script {route.script}"
    try:
        scripts = client.scripts()
    except Outcome as exc:
        return row(label, False, _why(exc))
    found = route.script in scripts
    return row(label, found, "exists" if found else "no such script")


def _rower(route: Route, server: str) -> Callable[[str, bool, str], CheckRow]:
    def row(item: str, ok: bool, detail: str = "") -> CheckRow:
        return CheckRow(route.name, server, item, ok, detail)
    return row


def _why(exc: Outcome) -> str:
    return f"{exc.kind}: {exc}"


def all_ok(rows: Iterable[CheckRow]) -> bool:
    """True when there are rows and every one passed."""
    rows = list(rows)
    return bool(rows) and all(r.ok for r in rows)


def format_table(rows: Iterable[CheckRow]) -> str:
    """A plain-text table: route, server, check, OK/FAIL, detail."""
    header = ("ROUTE", "SERVER", "CHECK", "RESULT", "DETAIL")
    body = [(r.route, r.server, r.item, "ok" if r.ok else "FAIL", r.detail) for r in rows]
    if not body:
        return "no routes to check"
    return text_table(header, body)
