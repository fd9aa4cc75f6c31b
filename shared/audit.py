"""The audit log: who did what, when, to which dead letters, with the filter used.

A capped Redis stream (``keys.dlq_audit``), newest first when read. Every state-changing
verb of :class:`shared.deadletters.DeadLetters` and :class:`shared.requeue.RequeueJobs`
writes one entry; the CLI (``hookmaker dlq audit``) and the console show them.
"""

from __future__ import annotations

import json
import time
from typing import Any, Iterable

import redis

from shared.keys import Keys

MAX_IDS_KEPT = 100          # an entry names at most this many ids (and always the count)


class AuditLog:
    def __init__(self, client: redis.Redis, keys: Keys, *, max_entries: int) -> None:
        self.redis = client
        self.key = keys.dlq_audit
        self.max_entries = max_entries

    def record(self, who: str, action: str, *, ids: Iterable[str] = (),
               filter: dict[str, Any] | None = None, count: int | None = None,
               detail: str = "") -> None:
        """Append one entry (one XADD, trimmed to about ``max_entries``)."""
        ids = list(ids)
        entry = {"at": repr(time.time()), "who": who, "action": action,
                 "ids": json.dumps(ids[:MAX_IDS_KEPT]),
                 "count": str(len(ids) if count is None else count),
                 "filter": json.dumps(filter or {}, sort_keys=True), "detail": detail}
        self.redis.xadd(self.key, entry, maxlen=self.max_entries, approximate=True)

    def entries(self, *, limit: int = 100, who: str = "", letter: str = ""
                ) -> list[dict[str, Any]]:
        """The newest entries first; ``who``/``letter`` keep only those by a person or
        naming a letter id (looked for among the newest 10,000)."""
        out: list[dict[str, Any]] = []
        for entry_id, raw in self.redis.xrevrange(self.key, count=10_000 if who or letter
                                                  else limit):
            entry = _decode(entry_id, raw)
            if who and entry["who"] != who:
                continue
            if letter and letter not in entry["ids"]:
                continue
            out.append(entry)
            if len(out) >= limit:
                break
        return out


def _decode(entry_id: bytes, raw: dict[bytes, bytes]) -> dict[str, Any]:
    data = {k.decode(): v.decode() for k, v in raw.items()}
    return {"id": entry_id.decode(), "at": float(data.get("at", 0)), "who": data.get("who", ""),
            "action": data.get("action", ""), "ids": json.loads(data.get("ids", "[]")),
            "count": int(data.get("count", 0)), "filter": json.loads(data.get("filter", "{}")),
            "detail": data.get("detail", "")}
