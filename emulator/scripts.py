"""Scripts: Python callables by name, the built-ins, and the order they run in.

A script is ``fn(ctx: ScriptContext) -> str | None``; the return value is the script result.
It fails by raising :class:`ScriptError` (or an ``FMError``, whose code becomes the script
error). A script error never changes ``messages``: it is reported in ``scriptError``.
"""

from __future__ import annotations

import importlib
import itertools
import json
import logging
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Protocol

from emulator.defaults import DEFAULT_MAX_SCRIPT_SLEEP_S
from emulator.errors import FMError
from emulator.schema import Database, SchemaError, ScriptDef

log = logging.getLogger(__name__)
PHASES = ("prerequest", "presort", "after")  # run order: prerequest, action, presort, sort, after
PARAM_KEYS = {"prerequest": "script.prerequest", "presort": "script.presort", "after": "script"}
RESULT_SUFFIX = {"prerequest": ".prerequest", "presort": ".presort", "after": ""}


class ScriptError(Exception):
    """A script ended with a FileMaker error code."""

    def __init__(self, code: int | str) -> None:
        super().__init__(str(code))
        self.code = str(code)


class RecordAccess(Protocol):
    """What a script may do to records (implemented by the record service)."""

    def script_set_fields(self, ctx: "ScriptContext", record_id: int,
                          field_data: dict[str, Any]) -> None: ...

    def script_create(self, ctx: "ScriptContext", field_data: dict[str, Any]) -> int: ...


@dataclass
class ScriptContext:
    """What a running script sees: its parameter, layout, found set and current record."""

    name: str
    phase: str
    param: str | None
    database: str
    layout: str
    found_set: list[int]
    record_id: int | None
    globals: dict[str, Any]
    records: RecordAccess
    options: dict[str, Any] = field(default_factory=dict)

    def set_fields(self, field_data: dict[str, Any], record_id: int | None = None) -> None:
        """Set fields of the current (or given) record, with field validation.

        Raises:
            FMError: 101 without a current record, or a field rule error.
        """
        target = self.record_id if record_id is None else record_id
        if target is None:
            raise FMError("101")
        self.records.script_set_fields(self, target, field_data)

    def create_record(self, field_data: dict[str, Any]) -> int:
        """Create a record on the script's layout; it becomes the current record."""
        self.record_id = self.records.script_create(self, field_data)
        self.found_set = [*self.found_set, self.record_id]
        return self.record_id


ScriptFn = Callable[[ScriptContext], "str | None"]
_trace_counter = itertools.count(1)


def _json_param(ctx: ScriptContext) -> dict[str, Any]:
    try:
        data = json.loads(ctx.param or "")
    except ValueError as exc:
        raise ScriptError(5) from exc
    if not isinstance(data, dict):
        raise ScriptError(5)
    return data


def import_json(ctx: ScriptContext) -> str:
    """Parse the JSON-object parameter into fields of the current record (a new record when
    there is none); the result is the recordId written."""
    data = _json_param(ctx)
    if ctx.record_id is None:
        return str(ctx.create_record(data))
    ctx.set_fields(data)
    return str(ctx.record_id)


def create_from_json(ctx: ScriptContext) -> str:
    """Create a new record from the JSON-object parameter; the result is its recordId."""
    return str(ctx.create_record(_json_param(ctx)))


def echo(ctx: ScriptContext) -> str | None:
    """Exit with the parameter as the result."""
    return ctx.param


def fail(ctx: ScriptContext) -> None:
    """Fail with the error code given as parameter (else the ``error`` option, else 3)."""
    param = (ctx.param or "").strip()
    raise ScriptError(param if param.lstrip("-").isdigit() else ctx.options.get("error", 3))


def sleep(ctx: ScriptContext) -> str:
    """Sleep for the parameter in seconds (capped), for slow-script tests."""
    try:
        seconds = min(float(ctx.param or 0), DEFAULT_MAX_SCRIPT_SLEEP_S)
    except ValueError as exc:
        raise ScriptError(5) from exc
    time.sleep(max(seconds, 0))
    return str(seconds)


def trace(ctx: ScriptContext) -> str:
    """Result ``n:phase:foundCount:recordId:param``; n increases with every trace call."""
    return (f"{next(_trace_counter)}:{ctx.phase}:{len(ctx.found_set)}:"
            f"{ctx.record_id or ''}:{ctx.param or ''}")


BUILTINS: dict[str, ScriptFn] = {
    "import_json": import_json, "create_from_json": create_from_json, "echo": echo,
    "fail": fail, "sleep": sleep, "trace": trace,
}


@dataclass(frozen=True)
class BoundScript:
    """A script definition with its resolved callable."""

    definition: ScriptDef
    fn: ScriptFn


def build_registry(db: Database) -> dict[str, BoundScript]:
    """Resolve every script of ``db`` to a callable.

    Raises:
        SchemaError: an unknown built-in or a callable that cannot be imported.
    """
    registry = {}
    for name, definition in db.scripts.items():
        where = f"databases.{db.name}.scripts.{name}"
        if definition.builtin is not None:
            fn = BUILTINS.get(definition.builtin)
            if fn is None:
                raise SchemaError(f"{where}.builtin: unknown built-in {definition.builtin!r} "
                                  f"(known: {', '.join(sorted(BUILTINS))})")
        else:
            fn = _import(definition.callable or "", where)
        registry[name] = BoundScript(definition, fn)
    return registry


def _import(target: str, where: str) -> ScriptFn:
    module_name, _, attr = target.partition(":")
    try:
        return getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise SchemaError(f"{where}.callable: cannot import {target!r}: {exc}") from exc


def requested_scripts(params: dict[str, Any], registry: dict[str, BoundScript]
                      ) -> dict[str, tuple[BoundScript, str | None]]:
    """The scripts a request names, by phase, with their parameters.

    Raises:
        FMError: 104 when a named script does not exist (checked before anything runs).
    """
    wanted = {}
    for phase in PHASES:
        name = params.get(PARAM_KEYS[phase])
        if name is None or name == "":
            continue
        bound = registry.get(str(name))
        if bound is None:
            raise FMError("104", f"Script is missing: {name}")
        param = params.get(PARAM_KEYS[phase] + ".param")
        wanted[phase] = (bound, None if param is None else str(param))
    return wanted


def run_script(bound: BoundScript, ctx: ScriptContext) -> dict[str, str]:
    """Run one script; returns its ``scriptResult``/``scriptError`` keys (strings)."""
    suffix = RESULT_SUFFIX[ctx.phase]
    ctx.options = bound.definition.options
    try:
        result, error = bound.fn(ctx), "0"
    except ScriptError as exc:
        result, error = None, exc.code
    except FMError as exc:
        result, error = None, exc.code
    except Exception:  # a broken user script must not break the request
        log.exception("script %r raised", bound.definition.name)
        result, error = None, "-1"
    out = {f"scriptError{suffix}": error}
    if result is not None:
        out[f"scriptResult{suffix}"] = str(result)
    return out
