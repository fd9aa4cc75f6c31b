"""``hookmaker send``: sign a payload the way the real sender does, and post it."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import requests

from ingress.sources import prepare
from shared.config import Config
from shared.envelope import new_ulid
from shared.errors import ConfigError

CONTENT_TYPES = {".json": "application/json", ".xml": "application/xml",
                 ".txt": "text/plain", ".form": "application/x-www-form-urlencoded"}


@dataclass(frozen=True)
class Sent:
    status: int
    body: str
    headers: dict[str, str]


def sign_and_post(config: Config, source_name: str, payload: Path, *, base_url: str,
                  timeout_s: float = 10.0) -> Sent:
    """Post ``payload`` to ``/hooks/<source>`` with the headers the real sender would add.

    Raises:
        ConfigError: no such source, or it has no secret to sign with.
        requests.RequestException: the ingress could not be reached.
    """
    sources = prepare(config)
    if source_name not in sources:
        raise ConfigError(f"no source named {source_name!r}; configured: {', '.join(sources)}")
    source = sources[source_name]
    body = payload.read_bytes()
    url = f"{base_url.rstrip('/')}/hooks/{source_name}"
    headers = {"Content-Type": CONTENT_TYPES.get(payload.suffix, "application/json"),
               "User-Agent": "hookmaker-send"}
    if source.secrets:
        headers.update(source.verifier.sign(body, source.secrets[0], time.time(),
                                            source.options, url=url,
                                            msg_id="msg_" + new_ulid().lower()))
    response = requests.post(url, data=body, headers=headers, timeout=timeout_s)
    return Sent(response.status_code, response.text, dict(response.headers))


def pretty(sent: Sent) -> str:
    try:
        body = json.dumps(json.loads(sent.body), indent=2)
    except ValueError:
        body = sent.body
    return f"HTTP {sent.status}\n{body}"
