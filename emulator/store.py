"""SQLite storage of records (recordId, modId, field values) and container data.

Record ids are never reused, as in FileMaker. The same data directory serves the same
records after a restart. One connection, one lock: callers that need several steps to be
atomic hold :attr:`Store.lock` around them.

The emulator is the file's only user, so each table's records are also kept decoded in
memory (read from SQLite once, written through on every change): finds and unique checks
scan Python dicts instead of decoding every row's JSON on every request, and unique
checks look a value up in an index kept beside them.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from emulator.values import fold

SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS records (
    db TEXT NOT NULL, tbl TEXT NOT NULL, id INTEGER NOT NULL, mod INTEGER NOT NULL,
    data TEXT NOT NULL, PRIMARY KEY (db, tbl, id));
CREATE TABLE IF NOT EXISTS counters (
    db TEXT NOT NULL, tbl TEXT NOT NULL, name TEXT NOT NULL, value INTEGER NOT NULL,
    PRIMARY KEY (db, tbl, name));
CREATE TABLE IF NOT EXISTS containers (
    key TEXT PRIMARY KEY, filename TEXT NOT NULL, mime TEXT NOT NULL, data BLOB NOT NULL);
"""
RECORD_ID = "__recordId"


@dataclass(frozen=True)
class StoredRecord:
    """One record as stored."""

    record_id: int
    mod_id: int
    values: dict[str, Any]


class Store:
    """Records of every table of every database in one SQLite file."""

    def __init__(self, data_dir: Path) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        self.path = data_dir / "emulator.sqlite3"
        self.lock = threading.RLock()
        self._conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.executescript(SCHEMA_SQL)
        self._tables: dict[tuple[str, str], dict[int, StoredRecord]] = {}
        self._indexes: dict[tuple[str, str], dict[str, _Index]] = {}

    def rows(self, db: str, table: str) -> list[StoredRecord]:
        """All records of a table, in recordId order (treat their values as read-only)."""
        with self.lock:
            return list(self._table(db, table).values())

    def get(self, db: str, table: str, record_id: int) -> StoredRecord | None:
        """One record, or None."""
        with self.lock:
            return self._table(db, table).get(record_id)

    def insert(self, db: str, table: str, values: dict[str, Any]) -> int:
        """Add a record with modId 0; returns its new recordId."""
        with self.lock:
            record_id = self.next_counter(db, table, RECORD_ID)
            self._conn.execute("INSERT INTO records VALUES (?, ?, ?, 0, ?)",
                               (db, table, record_id, json.dumps(values)))
            self._changed(db, table, record_id, StoredRecord(record_id, 0, dict(values)))
            return record_id

    def update(self, db: str, table: str, record_id: int, values: dict[str, Any]) -> int:
        """Replace a record's values and increment its modId; returns the new modId."""
        with self.lock:
            records = self._table(db, table)
            if record_id not in records:
                return 0
            self._conn.execute(
                "UPDATE records SET data=?, mod=mod+1 WHERE db=? AND tbl=? AND id=?",
                (json.dumps(values), db, table, record_id))
            mod_id = records[record_id].mod_id + 1
            self._changed(db, table, record_id, StoredRecord(record_id, mod_id, dict(values)))
            return mod_id

    def delete(self, db: str, table: str, record_id: int) -> bool:
        """Delete a record; False when there was none."""
        with self.lock:
            cur = self._conn.execute("DELETE FROM records WHERE db=? AND tbl=? AND id=?",
                                     (db, table, record_id))
            self._changed(db, table, record_id, None)
            return cur.rowcount > 0

    def count(self, db: str, table: str) -> int:
        """How many records a table holds."""
        with self.lock:
            return len(self._table(db, table))

    def holders(self, db: str, table: str, field: str, value: Any) -> set[int]:
        """Record ids whose ``field`` holds ``value`` as unique validation compares it
        (``values.fold``: text case-insensitively).

        The index of ``field`` is built on first use and kept current by every write.
        """
        with self.lock:
            indexes = self._indexes.setdefault((db, table), {})
            if field not in indexes:
                indexes[field] = _Index(field, self._table(db, table).values())
            return set(indexes[field].ids.get(fold(value), ()))

    def _changed(self, db: str, table: str, record_id: int, new: StoredRecord | None) -> None:
        """Write ``new`` (None: deleted) through to the decoded table and its indexes."""
        records = self._table(db, table)
        old = records.pop(record_id, None)
        if new is not None:
            records[record_id] = new
        for index in self._indexes.get((db, table), {}).values():
            index.replace(old, new)

    def _table(self, db: str, table: str) -> dict[int, StoredRecord]:
        """The decoded records of a table by recordId (ascending), read once. Hold the lock."""
        records = self._tables.get((db, table))
        if records is None:
            cur = self._conn.execute(
                "SELECT id, mod, data FROM records WHERE db=? AND tbl=? ORDER BY id", (db, table))
            records = {i: StoredRecord(i, m, json.loads(d)) for i, m, d in cur.fetchall()}
            self._tables[(db, table)] = records
        return records

    def next_counter(self, db: str, table: str, name: str) -> int:
        """The next value of a per-table counter (record ids, serial numbers), from 1."""
        with self.lock:
            self._conn.execute(
                "INSERT INTO counters VALUES (?, ?, ?, 1) ON CONFLICT(db, tbl, name) "
                "DO UPDATE SET value = value + 1", (db, table, name))
            return self._conn.execute(
                "SELECT value FROM counters WHERE db=? AND tbl=? AND name=?",
                (db, table, name)).fetchone()[0]

    def put_container(self, key: str, filename: str, mime: str, data: bytes) -> None:
        """Store container data under ``key``."""
        with self.lock:
            self._conn.execute("INSERT OR REPLACE INTO containers VALUES (?, ?, ?, ?)",
                               (key, filename, mime, data))

    def get_container(self, key: str) -> tuple[str, str, bytes] | None:
        """(filename, mime type, bytes) of stored container data, or None."""
        with self.lock:
            row = self._conn.execute("SELECT filename, mime, data FROM containers WHERE key=?",
                                     (key,)).fetchone()
        return None if row is None else (row[0], row[1], bytes(row[2]))

    def reset(self) -> None:
        """Drop every record, counter and container."""
        with self.lock:
            self._conn.executescript(
                "DELETE FROM records; DELETE FROM counters; DELETE FROM containers;")
            self._tables.clear()
            self._indexes.clear()

    def close(self) -> None:
        """Close the database connection."""
        with self.lock:
            self._conn.close()


class _Index:
    """Record ids by the folded value of one field."""

    def __init__(self, field: str, records: Iterable[StoredRecord]) -> None:
        self.field = field
        self.ids: dict[Any, set[int]] = {}
        for record in records:
            self.replace(None, record)

    def replace(self, old: StoredRecord | None, new: StoredRecord | None) -> None:
        if old is not None:
            bucket = self.ids.get(fold(old.values.get(self.field, "")))
            if bucket is not None:
                bucket.discard(old.record_id)
        if new is not None:
            self.ids.setdefault(fold(new.values.get(self.field, "")), set()).add(new.record_id)
