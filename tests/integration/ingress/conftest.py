"""An ingress on a real Redis, in-process (Flask's test client)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest
import redis
from ingress_helpers import make_config

from ingress.app import create_app
from shared.config import Config


@pytest.fixture
def config(redis_url: str, redis_client: redis.Redis, tmp_path: Path) -> Config:
    return make_config(redis_url, tmp_path / "ingress")


@pytest.fixture
def client(config: Config) -> Iterator[Any]:
    app = create_app(config)
    yield app.test_client()
    app.extensions["hookmaker"].redis.close()

