"""One worker process of the session-cap test: create records as fast as it can until the
stop file appears, then log out and print what happened as JSON.

Usage: python fm_hammer.py EMULATOR_URL REDIS_URL KEY_PREFIX STOP_FILE
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections import Counter
from pathlib import Path

import redis

from shared.config import FileMakerServer
from shared.errors import Outcome
from shared.filemaker.client import FileMakerClient
from shared.keys import Keys
from shared.secrets import Secret


def main(url: str, redis_url: str, prefix: str, stop_file: str) -> None:
    server = FileMakerServer(name="fm", url=url, database="Hookmaker", username="hookmaker",
                             password=Secret("env:FM_PASSWORD", "hookmaker-dev"),
                             max_sessions=2, connect_timeout_s=1.0, read_timeout_s=5.0)
    client = FileMakerClient(server, redis.Redis.from_url(redis_url), Keys(prefix))
    counts: Counter[str] = Counter()
    stop = Path(stop_file)
    n = 0
    while not stop.exists():
        n += 1
        try:
            client.create("Orders", {"OrderId": f"{os.getpid()}-{n}", "Amount": n})
            counts["ok"] += 1
        except Outcome as exc:
            counts[f"{exc.kind}:{exc.code}"] += 1
            time.sleep(0.01)
    client.close()
    print(json.dumps(counts))


if __name__ == "__main__":
    main(*sys.argv[1:5])
