"""The order of one Data API request with scripts: prerequest, action, presort, sort, script.

The whole request runs under the store lock: like FileMaker's single-threaded engine, one
request at a time touches the records.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from emulator.scripts import BoundScript, RecordAccess, ScriptContext, run_script
from emulator.sessions import Session


@dataclass
class ActionResult:
    """What an action produced: the found set, the current record, how to sort and answer."""

    found: list[int]
    record_id: int | None
    respond: Callable[[list[int], int | None], dict[str, Any]]
    sort: Callable[[list[int]], list[int]] | None = None


@dataclass
class FlowContext:
    """Where a request runs: database, layout, session, and the table's record ids."""

    database: str
    layout: str
    session: Session | None
    records: RecordAccess
    all_ids: Callable[[], list[int]]
    scripts: dict[str, tuple[BoundScript, str | None]] = field(default_factory=dict)


def perform(ctx: FlowContext, action: Callable[[], ActionResult]) -> dict[str, Any]:
    """Run prerequest script, action, presort script, sort, script; return ``response``.

    Script results and errors are strings merged into the response; a script error never
    turns into a request error.

    Raises:
        FMError: whatever the action raises.
    """
    out: dict[str, Any] = {}
    if "prerequest" in ctx.scripts:
        ids = ctx.all_ids()
        out.update(_run(ctx, "prerequest", ids, ids[0] if ids else None))
    result = action()
    found = result.found
    if "presort" in ctx.scripts:
        out.update(_run(ctx, "presort", found, _current(result, found)))
    if result.sort is not None:
        found = result.sort(found)
    if "after" in ctx.scripts:
        out.update(_run(ctx, "after", found, _current(result, found)))
    return {**out, **result.respond(found, result.record_id)}


def _current(result: ActionResult, found: list[int]) -> int | None:
    if result.record_id is not None:
        return result.record_id
    return found[0] if found else None


def _run(ctx: FlowContext, phase: str, found: list[int], record_id: int | None) -> dict[str, str]:
    bound, param = ctx.scripts[phase]
    script_ctx = ScriptContext(
        name=bound.definition.name, phase=phase, param=param, database=ctx.database,
        layout=ctx.layout, found_set=list(found), record_id=record_id,
        globals=ctx.session.globals if ctx.session else {}, records=ctx.records)
    return run_script(bound, script_ctx)
