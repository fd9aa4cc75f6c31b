"""The emulator's SQLite store: the decoded records and unique indexes stay current."""

from __future__ import annotations

from pathlib import Path

from emulator.store import Store
from emulator.values import fold


def test_writes_go_through_to_the_index_and_the_file(tmp_path: Path) -> None:
    store = Store(tmp_path)
    a = store.insert("db", "T", {"Key": "Alpha", "N": 1})
    b = store.insert("db", "T", {"Key": "beta", "N": 2})
    assert store.holders("db", "T", "Key", "ALPHA", key=fold) == {a}

    assert store.update("db", "T", a, {"Key": "gamma", "N": 1}) == 1
    assert store.holders("db", "T", "Key", "alpha", key=fold) == set()
    assert store.holders("db", "T", "Key", "Gamma", key=fold) == {a}
    assert store.delete("db", "T", b)
    assert store.holders("db", "T", "Key", "beta", key=fold) == set()
    c = store.insert("db", "T", {"Key": "beta"})
    assert store.holders("db", "T", "Key", "beta", key=fold) == {c}
    assert store.count("db", "T") == 2
    store.close()

    reopened = Store(tmp_path)                 # what a restarted emulator reads back
    assert [(r.record_id, r.mod_id, r.values) for r in reopened.rows("db", "T")] == [
        (a, 1, {"Key": "gamma", "N": 1}), (c, 0, {"Key": "beta"})]
    assert reopened.holders("db", "T", "Key", "GAMMA", key=fold) == {a}
    reopened.reset()
    assert reopened.rows("db", "T") == []
    assert reopened.holders("db", "T", "Key", "gamma", key=fold) == set()
    reopened.close()
