"""Request bodies and response readers of the Data API. Pure: no I/O here."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence
from urllib.parse import urlencode

from shared.filemaker import codes

_SCRIPT_STAGES = ("script.prerequest", "script.presort", "script")
_FIND_OPERATORS = set('\\"=!<>≤≥?*@#~…')
_FIND_SEQUENCES = ("..", "//")


@dataclass(frozen=True)
class Script:
    """A script to run with another request: after it (the default) or at another stage."""

    name: str
    param: str | None = None
    stage: str = "script"             # script | script.prerequest | script.presort


@dataclass(frozen=True)
class Record:
    """One record as the Data API returns it."""

    record_id: str
    mod_id: str
    field_data: Mapping[str, Any] = field(default_factory=dict)
    portal_data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Written:
    """The answer to a create or edit: ids and what an attached script returned."""

    record_id: str | None
    mod_id: str | None
    script_result: str | None = None


@dataclass(frozen=True)
class Found:
    """The answer to a find: the records and what an attached script returned."""

    records: list[Record]
    script_result: str | None = None


def record_body(field_data: Mapping[str, Any], *, script: Script | None = None,
                dateformats: int | None = None, mod_id: str | None = None) -> dict[str, Any]:
    """The body of a create or edit. ``None`` values are dropped (the API rejects nulls)."""
    body: dict[str, Any] = {"fieldData": {k: v for k, v in field_data.items() if v is not None}}
    if mod_id is not None:
        body["modId"] = str(mod_id)
    return _extras(body, script, dateformats)


def find_body(query: Sequence[Mapping[str, Any]], *, limit: int | None = None,
              script: Script | None = None, dateformats: int | None = None) -> dict[str, Any]:
    """The body of a ``_find``: criteria as strings, ``limit`` as a string, like FileMaker."""
    body: dict[str, Any] = {"query": [{k: _criterion(v) for k, v in q.items()} for q in query]}
    if limit is not None:
        body["limit"] = str(limit)
    return _extras(body, script, dateformats)


def _extras(body: dict[str, Any], script: Script | None,
            dateformats: int | None) -> dict[str, Any]:
    if script is not None:
        body[script.stage] = script.name
        if script.param is not None:
            body[f"{script.stage}.param"] = script.param
    if dateformats is not None:
        body["dateformats"] = dateformats
    return body


def _criterion(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def exact(value: Any) -> str:
    """Find criteria that match ``value`` exactly: ``==`` plus the value, quoted if needed.

    Text with find operators in it is quoted (inner quotes and backslashes escaped) so that
    ``*`` or ``@`` in an id is not read as a wildcard.
    """
    text = _criterion(value)
    if not text or text != text.strip() or any(ch in _FIND_OPERATORS for ch in text) \
            or any(seq in text for seq in _FIND_SEQUENCES):
        text = '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return "==" + text


def script_query(param: str | None) -> str:
    """The query string of the dedicated script route (empty when there is no parameter)."""
    return "" if param is None else urlencode({"script.param": param})


def check_scripts(response: Mapping[str, Any], name: str | None = None) -> str | None:
    """The ``scriptResult`` of an answer, after checking every ``scriptError`` in it.

    Raises:
        Outcome: a script stage reported an error other than "0"; classified by its code.
    """
    for stage in _SCRIPT_STAGES:
        suffix = stage[len("script"):]
        error = response.get("scriptError" + suffix)
        if error is not None and str(error).strip() not in ("", codes.SUCCESS):
            result = response.get("scriptResult" + suffix)
            label = name if stage == "script" and name else stage
            raise codes.script_error_for(label, error, None if result is None else str(result))
    result = response.get("scriptResult")
    return None if result is None else str(result)


def written(response: Mapping[str, Any], script: Script | None = None) -> Written:
    """Read a create/edit answer (scripts checked first).

    Raises:
        Outcome: an attached script failed.
    """
    result = check_scripts(response, script.name if script else None)
    record_id, mod_id = response.get("recordId"), response.get("modId")
    return Written(None if record_id is None else str(record_id),
                   None if mod_id is None else str(mod_id), result)


def records(response: Mapping[str, Any]) -> list[Record]:
    """The records of a get or find answer."""
    out = []
    for item in response.get("data") or ():
        out.append(Record(record_id=str(item.get("recordId", "")),
                          mod_id=str(item.get("modId", "")),
                          field_data=item.get("fieldData") or {},
                          portal_data=item.get("portalData") or {}))
    return out


def names(items: Sequence[Mapping[str, Any]], folder_key: str) -> list[str]:
    """Layout or script names, folders flattened (``folderLayoutNames``/``folderScriptNames``)."""
    out: list[str] = []
    for item in items or ():
        if item.get("isFolder"):
            out.extend(names(item.get(folder_key) or (), folder_key))
        elif item.get("name"):
            out.append(str(item["name"]))
    return out


def field_names(metadata: Mapping[str, Any]) -> list[str]:
    """The field names of a layout's metadata (``fieldMetaData``), portals excluded."""
    return [str(f["name"]) for f in metadata.get("fieldMetaData") or () if f.get("name")]
