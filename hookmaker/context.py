"""How a CLI command finds its configuration and its Redis.

One decision, in one place: the config file is ``--config``, else ``HOOKMAKER_CONFIG``, else
``hookmaker.toml`` or ``examples/hookmaker.toml``; Redis is ``REDIS_URL``, else the config's
``[redis] url``, else the embedded Redis of a running ``hookmaker up`` (its state file).
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

from shared.config import Config, config_path, load
from shared.errors import ConfigError

STACK_STATE = Path("var") / "up.json"     # written by `hookmaker up`, read by other commands


def load_config(path: str | None) -> Config:
    """The validated config, with Redis filled in from a running stack if need be.

    Raises:
        ConfigError: the file is missing or wrong.
    """
    config = load(Path(path) if path else config_path(os.environ))
    if config.redis.url:
        return config
    state = read_stack_state()
    if state.get("redis_url"):
        return dataclasses.replace(config, redis=dataclasses.replace(
            config.redis, url=state["redis_url"]))
    return config


def require_redis(config: Config) -> Config:
    if not config.redis.url:
        raise ConfigError("no Redis: set REDIS_URL or [redis] url, or start the stack with "
                          "'hookmaker up' (it runs an embedded Redis) in this folder")
    return config


def read_stack_state() -> dict:
    try:
        return json.loads(STACK_STATE.read_text())
    except (OSError, ValueError):
        return {}


def write_stack_state(state: dict) -> None:
    STACK_STATE.parent.mkdir(parents=True, exist_ok=True)
    STACK_STATE.write_text(json.dumps(state, indent=2))


def clear_stack_state() -> None:
    STACK_STATE.unlink(missing_ok=True)
