"""Field mapping: from a webhook's JSON to FileMaker field data. Pure.

A route maps FileMaker field names to values:

``"/data/object/id"``
    a JSON pointer (RFC 6901) into the payload; required unless the table form says not.
``"@event_id"``
    event metadata: ``event_id``, ``source``, ``event_type``, ``received_at``, ``route``,
    ``payload`` (the raw body as text), ``headers`` (JSON text).
``42``, ``true``, ``{ const = "paid" }``
    a constant.
``{ path = "/created", type = "timestamp", required = false, default = "" }``
    the long form; ``type`` is ``auto`` (default), ``text``, ``number``, ``date``,
    ``timestamp`` or ``json`` (the value serialised as JSON text).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Mapping

from shared.errors import ConfigError, Permanent

META_NAMES = ("event_id", "source", "event_type", "received_at", "route", "payload", "headers")
KINDS = ("auto", "text", "number", "date", "timestamp", "json")
_NOTHING = object()


@dataclass(frozen=True)
class FieldSpec:
    origin: str            # "path" | "meta" | "const"
    value: Any
    kind: str = "auto"
    required: bool = True
    default: Any = None


def parse_field(key: str, raw: Any) -> FieldSpec:
    """Parse one mapping entry from the config.

    Raises:
        ConfigError: the entry is neither a pointer, a meta name, a constant nor a long form.
    """
    if isinstance(raw, bool) or isinstance(raw, (int, float)):
        return FieldSpec("const", raw)
    if isinstance(raw, str):
        return _parse_short(key, raw)
    if isinstance(raw, dict):
        return _parse_long(key, raw)
    raise ConfigError(f"{key}: a field mapping is a '/json/pointer', an '@meta' name, "
                      "a number, or a table")


def _parse_short(key: str, raw: str, kind: str = "auto", required: bool = True,
                 default: Any = None) -> FieldSpec:
    if raw.startswith("/") or raw == "":
        return FieldSpec("path", raw, kind, required, default)
    if raw.startswith("@"):
        if raw[1:] not in META_NAMES:
            raise ConfigError(f"{key}: unknown metadata {raw!r}; known: "
                              + ", ".join("@" + m for m in META_NAMES))
        return FieldSpec("meta", raw[1:], kind, required, default)
    raise ConfigError(f"{key}: {raw!r} is neither a JSON pointer ('/a/b') nor metadata "
                      "('@event_id'); write a constant as {{ const = {raw!r} }}")


def _parse_long(key: str, raw: dict) -> FieldSpec:
    unknown = set(raw) - {"path", "meta", "const", "type", "required", "default"}
    if unknown:
        raise ConfigError(f"{key}: unknown keys {sorted(unknown)}")
    kind = raw.get("type", "auto")
    if kind not in KINDS:
        raise ConfigError(f"{key}.type: must be one of {', '.join(KINDS)}")
    required = raw.get("required", "default" not in raw)
    if "const" in raw:
        return FieldSpec("const", raw["const"], kind)
    if "path" in raw:
        return _parse_short(key, str(raw["path"]), kind, required, raw.get("default"))
    if "meta" in raw:
        return _parse_short(key, "@" + str(raw["meta"]), kind, required, raw.get("default"))
    raise ConfigError(f"{key}: a field table needs 'path', 'meta' or 'const'")


def resolve_pointer(document: Any, pointer: str) -> Any:
    """Follow an RFC 6901 pointer; returns a sentinel-free KeyError on a miss.

    Raises:
        KeyError: the pointer names nothing in the document.
    """
    if pointer == "":
        return document
    node = document
    for token in pointer[1:].split("/"):
        token = token.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            raise KeyError(pointer)
    return node


def map_fields(specs: Mapping[str, FieldSpec], payload: Any, meta: Mapping[str, Any],
               *, iso_dates: bool = False) -> dict[str, Any]:
    """Build FileMaker ``fieldData`` for one event.

    Raises:
        Permanent: a required value is missing from the payload, or cannot be converted.
    """
    out: dict[str, Any] = {}
    for field, spec in specs.items():
        value = _lookup(field, spec, payload, meta)
        if value is _NOTHING:
            continue
        out[field] = convert(field, value, spec.kind, iso_dates=iso_dates)
    return out


def _lookup(field: str, spec: FieldSpec, payload: Any, meta: Mapping[str, Any]) -> Any:
    if spec.origin == "const":
        return spec.value
    if spec.origin == "meta":
        return meta.get(spec.value, "")
    try:
        return resolve_pointer(payload, spec.value)
    except KeyError:
        if spec.required:
            raise Permanent(f"mapped field {field!r}: {spec.value} is not in the payload; "
                            "fix the route's mapping or edit the event and requeue it") from None
        return _NOTHING if spec.default is None else spec.default


def convert(field: str, value: Any, kind: str, *, iso_dates: bool = False) -> Any:
    """Format one value for FileMaker: numbers stay numbers, dates become FileMaker text.

    Raises:
        Permanent: the value cannot be read as the declared type.
    """
    if kind == "json" or (kind == "auto" and isinstance(value, (dict, list))):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    if value is None:
        return ""
    if kind == "auto":
        return value if isinstance(value, (int, float, str)) and not isinstance(value, bool) \
            else str(value).lower()
    if kind == "text":
        return value if isinstance(value, str) else json.dumps(value)
    if kind == "number":
        return _number(field, value)
    moment = _moment(field, value)
    if kind == "date":
        return moment.strftime("%Y-%m-%d" if iso_dates else "%m/%d/%Y")
    return moment.strftime("%Y-%m-%dT%H:%M:%S" if iso_dates else "%m/%d/%Y %H:%M:%S")


def _number(field: str, value: Any) -> float | int:
    try:
        number = float(value) if isinstance(value, str) else value
        if isinstance(number, bool) or not isinstance(number, (int, float)) \
                or not math.isfinite(number):
            raise ValueError
    except ValueError:
        raise Permanent(f"mapped field {field!r}: {value!r} is not a number") from None
    return int(number) if isinstance(number, float) and number.is_integer() else number


def _moment(field: str, value: Any) -> datetime:
    """A UTC datetime from epoch seconds (or milliseconds) or an ISO 8601 string."""
    try:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            seconds = value / 1000 if value > 1e11 else value
            return datetime.fromtimestamp(seconds, tz=timezone.utc)
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except (ValueError, OverflowError, OSError):
        raise Permanent(f"mapped field {field!r}: {value!r} is not a date or time") from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc)
    return moment
