"""The naive design, for the known-bad run of the long-delay scenario: a plain Celery task
whose retry rides a countdown longer than the broker's visibility timeout, and whose effect
(a FileMaker create) is not idempotent. Run as a worker by the test:

    python -m celery -A naive_app worker   (cwd tests/faults; NAIVE_BROKER, NAIVE_FILEMAKER)
"""

from __future__ import annotations

import json
import os

from celery import Celery

from emulator.testing import DataAPIClient

VISIBILITY_TIMEOUT_S = 2

app = Celery("naive", broker=os.environ.get("NAIVE_BROKER", "redis://127.0.0.1:6379/0"))
app.conf.update(
    task_acks_late=True, worker_prefetch_multiplier=1, task_ignore_result=True,
    broker_connection_retry_on_startup=True, worker_hijack_root_logger=False,
    broker_transport_options={"visibility_timeout": VISIBILITY_TIMEOUT_S,
                              "unacked_restore_interval": 1, "unacked_restore_throttle": 1})


@app.task(name="naive.deliver")
def deliver(key: str) -> None:
    """Write one record for ``key``: no claim, no lookup first."""
    fm = DataAPIClient(os.environ["NAIVE_FILEMAKER"])
    fm.login()
    fm.create("Inbox", EventId=key, Payload=json.dumps({"id": key}))
