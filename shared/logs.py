"""Logs: one JSON object per line for machines, or a short human line for `hookmaker up`.

Every record may carry the event's story through ``extra=``: ``event_id``, ``source``,
``route``, ``outcome`` (``log.info(..., extra=event_fields(...))``), so the same event id can
be followed from the ingress to FileMaker. Payloads and secrets are never logged at INFO.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from typing import Any, Mapping

FORMAT_ENV = "HOOKMAKER_LOG_FORMAT"        # "json" (default) or "text"
LEVEL_ENV = "HOOKMAKER_LOG_LEVEL"          # INFO unless set
STORY_FIELDS = ("event_id", "source", "route", "outcome", "request_id", "code")


class JsonFormatter(logging.Formatter):
    """time, level, component, message, and the event's story fields when present."""

    def __init__(self, component: str) -> None:
        super().__init__()
        self.component = component

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(), "component": self.component,
            "logger": record.name, "message": record.getMessage()}
        for name in STORY_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                entry[name] = value
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """``12:00:01 worker  INFO  event 01AB… delivered: record 7``"""

    def __init__(self, component: str) -> None:
        super().__init__("%(asctime)s " + f"{component:<8}" + " %(levelname)-7s %(message)s",
                         datefmt="%H:%M:%S")


def event_fields(event_id: str, *, source: str | None = None, route: str | None = None,
                 outcome: str | None = None) -> dict[str, Any]:
    """The ``extra=`` that tells which event a log line is about."""
    return {"event_id": event_id, "source": source, "route": route, "outcome": outcome}


def setup(component: str, environ: Mapping[str, str] | None = None) -> None:
    """Configure the root logger once, for one process of ``component``."""
    environ = os.environ if environ is None else environ
    text = environ.get(FORMAT_ENV, "json").lower() == "text"
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(TextFormatter(component) if text else JsonFormatter(component))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(environ.get(LEVEL_ENV, "INFO").upper())
    for noisy in ("urllib3", "kombu", "amqp"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
