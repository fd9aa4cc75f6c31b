"""Records as the Data API shows them: ``fieldData``, ``portalData``, string ids, dataInfo."""

from __future__ import annotations

from typing import Any

from emulator.schema import Layout, Table
from emulator.store import StoredRecord
from emulator.values import to_output


def render_record(layout: Layout, table: Table, record: StoredRecord,
                  globals_: dict[str, Any], dateformats: int = 0, base_url: str = "") -> dict:
    """One record of ``layout``: field values formatted, ``portalData`` always present
    (``{}``: portals are not emulated), ``recordId``/``modId`` as strings."""
    field_data = {}
    for name in layout.field_names:
        field = table.fields[name]
        if field.is_global:
            stored = globals_.get(f"{table.name}::{name}", "")
        else:
            stored = record.values.get(name, "")
        value = to_output(field, stored, dateformats)
        if field.type == "container" and value:
            value = base_url.rstrip("/") + value
        field_data[name] = value
    return {"fieldData": field_data, "portalData": {},
            "recordId": str(record.record_id), "modId": str(record.mod_id)}


def data_info(database: str, layout: Layout, total: int, found: int, returned: int) -> dict:
    """The ``dataInfo`` object of reads and finds."""
    return {"database": database, "layout": layout.name, "table": layout.table,
            "totalRecordCount": total, "foundCount": found, "returnedCount": returned}
