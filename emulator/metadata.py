"""Metadata answers: productInfo, databases, layouts, scripts, layout metadata."""

from __future__ import annotations

from typing import Any

from emulator.defaults import PRODUCT_INFO
from emulator.schema import Database, Field, Layout, Schema, Table

RESULT_TYPES = {"text": "text", "number": "number", "date": "date", "time": "time",
                "timestamp": "timeStamp", "container": "container"}


def product_info() -> dict[str, Any]:
    """``{"productInfo": {...}}`` as FileMaker Server 19.4 answers."""
    return {"productInfo": dict(PRODUCT_INFO)}


def databases(schema: Schema) -> dict[str, Any]:
    """``{"databases": [{"name": ...}]}``."""
    return {"databases": [{"name": name} for name in schema.databases]}


def layouts(db: Database) -> dict[str, Any]:
    """``{"layouts": [{"name", "table"}]}``."""
    return {"layouts": [{"name": layout.name, "table": layout.table}
                        for layout in db.layouts.values()]}


def scripts(db: Database) -> dict[str, Any]:
    """``{"scripts": [{"name", "isFolder": false}]}``."""
    return {"scripts": [{"name": name, "isFolder": False} for name in db.scripts]}


def field_metadata(field: Field) -> dict[str, Any]:
    """One entry of ``fieldMetaData``."""
    return {"name": field.name, "type": "normal", "displayType": "editText",
            "result": RESULT_TYPES[field.type], "global": field.is_global,
            "autoEnter": field.auto_enter is not None, "fourDigitYear": False, "maxRepeat": 1,
            "maxCharacters": field.max_chars, "notEmpty": field.not_empty,
            "numeric": field.numeric_only, "timeOfDay": False, "repetitionStart": 1,
            "repetitionEnd": 1}


def layout_metadata(layout: Layout, table: Table) -> dict[str, Any]:
    """``{"fieldMetaData": [...], "portalMetaData": {}, "valueLists": []}``."""
    return {"fieldMetaData": [field_metadata(table.fields[n]) for n in layout.field_names],
            "portalMetaData": {}, "valueLists": []}
