"""Shared pieces of the ingress tests: a config with one source per verifier, helpers."""

from __future__ import annotations

import json
import textwrap
import time
from pathlib import Path

import redis

from shared.config import Config, load

PREFIX = "ti"
SECRETS = {
    "stripe": "whsec_stripe_test_secret", "github": "It's a Secret to Everybody",
    "slack": "8f742231b10e8888abcd99yyyzzz85a5", "shopify": "shopify-client-secret",
    "standard": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "twilio": "twilio-auth-token",
    "zoom": "zoom-secret-token", "square": "square-signature-key",
    "paddle": "pdl_ntfset_secret", "hubspot": "hubspot-client-secret",
    "hmac": "generic-hmac-secret", "apikey": "api-key-123", "basic": "zap:pa55word",
    "bearer": "bearer-token-123",
}
OLD = {kind: value + "-old" for kind, value in SECRETS.items()}
OLD["standard"] = "whsec_c2Vjb25kLXNlY3JldC1mb3ItdGVzdHMtMTIzNA=="
URL_BASE = "http://localhost"

SOURCES = {kind: {} for kind in SECRETS}
SOURCES["hmac"] = {"options": {"header": "X-Sig", "timestamp_header": "X-Ts",
                               "signed": "{timestamp}.{body}", "prefix": "v1="}}
SOURCES["square"] = {"options": {"url": f"{URL_BASE}/hooks/square"}}


def config_text(redis_url: str, workdir: Path, extra: str = "") -> str:
    """A config with one source per verifier kind (named after it), each with two secrets
    (the current one first, then an old one), plus ``extra`` TOML."""
    (workdir / "secrets").mkdir(parents=True, exist_ok=True)
    parts = [f'[redis]\nurl = "{redis_url}"\nprefix = "{PREFIX}"\nsocket_timeout_s = 0.5\n'
             f'connect_timeout_s = 0.5\n',
             '[worker]\nreconcile_grace_s = 30\n',
             '[filemaker.main]\nurl = "http://127.0.0.1:9"\ndatabase = "D"\nusername = "u"\n'
             'password = "file:secrets/fm"\n']
    (workdir / "secrets" / "fm").write_text("x")
    for kind, settings in SOURCES.items():
        (workdir / "secrets" / kind).write_text(SECRETS[kind])
        (workdir / "secrets" / f"{kind}-old").write_text(OLD[kind])
        parts.append(f'[sources.{kind}]\nverifier = "{kind}"\n'
                     f'secrets = ["file:secrets/{kind}", "file:secrets/{kind}-old"]\n')
        if settings.get("options"):
            parts.append(f"[sources.{kind}.options]\n" + "".join(
                f"{k} = {json.dumps(v)}\n" for k, v in settings["options"].items()))
    return "\n".join(parts) + "\n" + textwrap.dedent(extra)


def make_config(redis_url: str, workdir: Path, extra: str = "") -> Config:
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / "hookmaker.toml"
    path.write_text(config_text(redis_url, workdir, extra))
    return load(path, {})


def stored_keys(client_redis: redis.Redis) -> list[bytes]:
    return sorted(client_redis.keys(f"{PREFIX}:*"))


def accepted(client_redis: redis.Redis) -> int:
    return int(client_redis.hget(f"{PREFIX}:counts", "accepted") or 0)


def now() -> float:
    return time.time()
