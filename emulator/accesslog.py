"""The access log in the ``fmdapi.log`` shape, and request counts per second.

One tab-separated line per Data API request::

    2024-05-01 12:00:00.123 +0000<TAB>0<TAB>INFO<TAB>127.0.0.1<TAB>hookmaker<TAB>POST<TAB>/fmi/data/vLatest/databases/Hookmaker/layouts/Inbox/records<TAB>84

(time UTC, FileMaker code, level, client address, account, method, path, response bytes).
"""

from __future__ import annotations

import threading
from collections import Counter, deque
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from emulator.defaults import DEFAULT_LOG_MEMORY_LINES, DEFAULT_STATS_WINDOW_S


def format_line(ts: float, code: str, ip: str, account: str, method: str, path: str,
                nbytes: int) -> str:
    """One access-log line (no newline)."""
    moment = datetime.fromtimestamp(ts, tz=timezone.utc)
    stamp = moment.strftime("%Y-%m-%d %H:%M:%S.") + f"{moment.microsecond // 1000:03d} +0000"
    level = "INFO" if code == "0" else "ERROR"
    return "\t".join([stamp, code, level, ip or "-", account or "-", method, path, str(nbytes)])


def parse_line(line: str) -> dict[str, Any]:
    """The fields of an access-log line.

    Raises:
        ValueError: the line does not have the eight fields.
    """
    parts = line.rstrip("\n").split("\t")
    if len(parts) != 8:
        raise ValueError(f"not an access-log line: {line!r}")
    keys = ("time", "code", "level", "ip", "account", "method", "path", "bytes")
    out: dict[str, Any] = dict(zip(keys, parts))
    out["bytes"] = int(out["bytes"])
    return out


class AccessLog:
    """Writes lines to a file (when given) and keeps the last ones in memory."""

    def __init__(self, path: Path | None, memory_lines: int = DEFAULT_LOG_MEMORY_LINES) -> None:
        self._lock = threading.Lock()
        self._recent: deque[str] = deque(maxlen=memory_lines)
        self._file = None
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._file = path.open("a", encoding="utf-8", buffering=1)

    def write(self, line: str) -> None:
        """Append one line."""
        with self._lock:
            self._recent.append(line)
            if self._file is not None:
                self._file.write(line + "\n")

    def recent(self, limit: int | None = None) -> list[str]:
        """The last ``limit`` lines kept in memory, oldest first."""
        with self._lock:
            lines = list(self._recent)
        return lines[-limit:] if limit else lines

    def clear(self) -> None:
        """Forget the in-memory lines (the file is kept)."""
        with self._lock:
            self._recent.clear()

    def close(self) -> None:
        """Close the file."""
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None


class RequestStats:
    """Data API request counts per wall-clock second, totals and counts by code."""

    def __init__(self, window_s: int = DEFAULT_STATS_WINDOW_S) -> None:
        self._lock = threading.Lock()
        self._window_s = window_s
        self.reset()

    def reset(self) -> None:
        """Zero everything."""
        with getattr(self, "_lock", threading.Lock()):
            self._per_second: dict[int, int] = {}
            self._by_code: Counter[str] = Counter()
            self._total = 0
            self._bytes = 0

    def hit(self, now: float) -> None:
        """Count one request arriving at ``now``."""
        second = int(now)
        with self._lock:
            self._per_second[second] = self._per_second.get(second, 0) + 1
            self._total += 1
            oldest = second - self._window_s
            for stale in [s for s in self._per_second if s < oldest]:
                del self._per_second[stale]

    def done(self, code: str, nbytes: int) -> None:
        """Count a finished request's FileMaker code and response bytes."""
        with self._lock:
            self._by_code[code] += 1
            self._bytes += nbytes

    def snapshot(self) -> dict[str, Any]:
        """``{"requests_per_second": [{"second", "count"}], "total_requests", "by_code",
        "response_bytes"}``."""
        with self._lock:
            return {"requests_per_second": [{"second": s, "count": c}
                                            for s, c in sorted(self._per_second.items())],
                    "total_requests": self._total, "by_code": dict(self._by_code),
                    "response_bytes": self._bytes}
