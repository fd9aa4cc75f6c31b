"""The emulator's SQLite store: the decoded records and unique indexes stay current."""

from __future__ import annotations

from pathlib import Path

from emulator.store import Store


def test_writes_go_through_to_the_index_and_the_file(tmp_path: Path) -> None:
    store = Store(tmp_path)
    a = store.insert("db", "T", {"Key": "Alpha", "N": 1})
    b = store.insert("db", "T", {"Key": "beta", "N": 2})
    assert store.holders("db", "T", "Key", "ALPHA") == {a}

    assert store.update("db", "T", a, {"Key": "gamma", "N": 1}) == 1
    assert store.holders("db", "T", "Key", "alpha") == set()
    assert store.holders("db", "T", "Key", "Gamma") == {a}
    assert store.delete("db", "T", b)
    assert store.holders("db", "T", "Key", "beta") == set()
    c = store.insert("db", "T", {"Key": "beta"})
    assert store.holders("db", "T", "Key", "beta") == {c}
    assert store.count("db", "T") == 2
    store.close()

    reopened = Store(tmp_path)                 # what a restarted emulator reads back
    assert [(r.record_id, r.mod_id, r.values) for r in reopened.rows("db", "T")] == [
        (a, 1, {"Key": "gamma", "N": 1}), (c, 0, {"Key": "beta"})]
    assert reopened.holders("db", "T", "Key", "GAMMA") == {a}
    reopened.reset()
    assert reopened.rows("db", "T") == []
    assert reopened.holders("db", "T", "Key", "gamma") == set()
    reopened.close()
