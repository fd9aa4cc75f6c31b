"""Where multiprocess metrics live. Kept apart from ``shared.metrics`` on purpose:
prometheus-client decides at import whether it runs in multiprocess mode, so the folder
must be set before anything imports it."""

from __future__ import annotations

import os
import tempfile

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def ensure_multiprocess_dir(service: str) -> str:
    """Set ``PROMETHEUS_MULTIPROC_DIR`` to a fresh folder for this service if it is unset.

    Call before importing ``shared.metrics`` (or prometheus_client) and before forking.
    """
    if not os.environ.get(MULTIPROC_ENV):
        os.environ[MULTIPROC_ENV] = tempfile.mkdtemp(prefix=f"hookmaker-{service}-metrics-")
    return os.environ[MULTIPROC_ENV]
