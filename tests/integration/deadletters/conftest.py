"""Fixtures of the dead-letter tests: a store on the test's Redis, the console running."""

from __future__ import annotations

import pytest

from letterkit import Letters
from shared.adminconfig import DlqSettings


@pytest.fixture
def letters(redis_client) -> Letters:
    return Letters(redis_client, DlqSettings(requeue_rate_per_s=1000, requeue_max_step=50))


@pytest.fixture
def console(pipeline, tmp_path):
    """A config (the pipeline's, plus [admin]), letters in its Redis, and the console
    running as a real process. Ingress and worker are not started."""
    from admin.testing import Console, add_admin_section

    p = pipeline()
    add_admin_section(p.config_path)
    running = Console(p.config_path, p.workdir).start()
    running.pipeline = p
    running.letters = Letters(p.redis, DlqSettings(), prefix=p.config.redis.prefix)
    yield running
    running.stop()
