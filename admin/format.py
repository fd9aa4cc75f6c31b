"""How the console shows times, ages and payloads (Jinja filters; pure)."""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone
from typing import Any

from flask import Flask


def ts(value: Any, ms: bool = False) -> str:
    """Epoch seconds as ``2026-05-01 12:00:03`` (UTC; ``.123`` more with ``ms``); '-' for
    nothing."""
    if value in (None, ""):
        return "-"
    at = datetime.fromtimestamp(float(value), timezone.utc)
    return at.strftime("%Y-%m-%d %H:%M:%S") + (f".{at.microsecond // 1000:03d}" if ms else "")


def ago(value: Any, now: float | None = None) -> str:
    """How long ago, roughly: ``12 s``, ``5 min``, ``3 h``, ``2 d``."""
    if value in (None, ""):
        return "-"
    return age(max(0.0, (time.time() if now is None else now) - float(value)))


def age(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds / size:.0f} {unit}"
    return f"{seconds:.0f} s"


def pretty(text: str | None) -> str:
    """JSON indented for reading; anything else as it is."""
    if text is None:
        return ""
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except ValueError:
        return text


def register_filters(app: Flask) -> None:
    app.jinja_env.filters.update(ts=ts, ago=ago, age=age, pretty=pretty)
