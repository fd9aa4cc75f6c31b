"""How fast a page of dead letters comes back out of 100,000.

    .venv/bin/python bench/dlq_paging.py                 # an embedded Redis, 100,000 letters
    .venv/bin/python bench/dlq_paging.py --letters 20000 --runs 20
    REDIS_URL=redis://... .venv/bin/python bench/dlq_paging.py   # that Redis (it is FLUSHED)

Seeds letters with the store's own import verb (the real Lua, the real indexes), then times
``DeadLetters.list`` (and the event search) for pages of 50: the newest page, a page deep
in via cursors, one facet, two facets, a time range, and a payload text search (a scan, shown
for scale). Prints median and p95 per case; exits 1 if a page of 50 without a text filter
takes 100 ms or more at the median.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import redis  # noqa: E402

from shared.deadletters import EXPORT_FORMAT, DeadLetters  # noqa: E402
from shared.envelope import Attempt, Envelope, new_ulid  # noqa: E402
from shared.eventsearch import search_events  # noqa: E402
from shared.keys import Keys  # noqa: E402
from shared.search import Filter  # noqa: E402

SOURCES = ("stripe", "shop", "github")
ROUTES = ("orders", "inbox", "shop")
CODES = ("511", "102", "504", "", "", "", "", "", "", "")      # 10% 511, 60% none
CLASSES = {"511": "permanent", "102": "permanent", "504": "permanent", "": "transient"}
LIMIT_MS = 100.0


def letter(i: int, now: float, rng: random.Random) -> dict:
    died = now - 30 * 86400 * (1 - i / 100_000) - rng.random()
    code = rng.choice(CODES)
    body = json.dumps({"id": f"evt_{i}", "customer": f"customer-{rng.randrange(5000)}",
                       "amount": rng.randrange(100, 100_000)}).encode()
    env = Envelope(id=new_ulid(died - 60), source=rng.choice(SOURCES), received_at=died - 60,
                   body=body, headers={"Content-Type": "application/json"},
                   event_type="checkout.session.completed")
    history = [Attempt(at=died, outcome=CLASSES[code], message="bad value", code=code or None)]
    fields = {"envelope": env.to_json(), "source": env.source, "received_at": str(died - 60),
              "route": rng.choice(ROUTES), "filemaker": "main", "dlq_db": "Hookmaker",
              "dlq_class": CLASSES[code], "dlq_code": code, "last_error": "bad value",
              "history": json.dumps([h.__dict__ for h in history]), "attempts": "3",
              "first_failure_at": str(died - 30), "event_type": env.event_type,
              "updated_at": str(died)}
    return {"format": EXPORT_FORMAT, "id": env.id, "fields": {**fields, "dead_at": str(died)}}


def seed(letters: DeadLetters, n: int) -> float:
    rng, now, started = random.Random(6), time.time(), time.perf_counter()
    chunk: list[dict] = []
    for i in range(n):
        chunk.append(letter(i, now, rng))
        if len(chunk) == 5000:
            letters.import_(chunk, "bench")
            chunk = []
    if chunk:
        letters.import_(chunk, "bench")
    return time.perf_counter() - started


def timed(fn, runs: int) -> tuple[float, float, int]:
    fn()                                                  # warm: scripts, connections
    samples, rows = [], 0
    for _ in range(runs):
        started = time.perf_counter()
        rows = fn()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1], rows


def cases(letters: DeadLetters, client: redis.Redis, keys: Keys) -> dict:
    deep = None
    for _ in range(20):                                    # 1,000 letters in
        deep = letters.list(cursor=deep.next_cursor if deep else None)
    now = time.time()
    week = Filter(since=now - 14 * 86400, until=now - 7 * 86400)
    return {
        "newest page, no filter": lambda: len(letters.list().rows),
        "page 21 (cursor)": lambda: len(letters.list(cursor=deep.next_cursor).rows),
        "code=511 (10%)": lambda: len(letters.list(Filter(code="511")).rows),
        "source+code (3%)": lambda: len(letters.list(Filter(source="shop", code="511")).rows),
        "time range (one week)": lambda: len(letters.list(week).rows),
        "events: state=dead": lambda: len(search_events(client, keys, Filter(state="dead"),
                                                        sources=SOURCES).rows),
        "text in payload (scan)": lambda: len(letters.list(Filter(text="customer-4242")).rows),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--letters", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    url = os.environ.get("REDIS_URL")
    server = None
    if not url:
        from hookmaker.embedded_redis import EmbeddedRedis  # noqa: PLC0415
        server = EmbeddedRedis(Path(tempfile.mkdtemp(prefix="dlq-bench-")), appendfsync="everysec")
        url = server.start().url
    try:
        client = redis.Redis.from_url(url, socket_timeout=30)
        client.flushdb()
        keys = Keys("bench")
        letters = DeadLetters(client, keys)
        took = seed(letters, args.letters)
        print(f"seeded {client.zcard(keys.dead):,} dead letters in {took:.1f} s "
              f"(Redis {client.info('server')['redis_version']}, "
              f"{client.info('memory')['used_memory_human']})")
        print(f"{'case':<28}{'median ms':>10}{'p95 ms':>9}{'rows':>6}")
        worst = 0.0
        for name, fn in cases(letters, client, keys).items():
            runs = max(3, args.runs // 10) if "scan" in name else args.runs
            median, p95, rows = timed(fn, runs)
            print(f"{name:<28}{median:>10.2f}{p95:>9.2f}{rows:>6}")
            if "scan" not in name:
                worst = max(worst, median)
        print(f"worst median of a filtered page of 50: {worst:.2f} ms (limit {LIMIT_MS:.0f} ms)")
        return 0 if worst < LIMIT_MS else 1
    finally:
        if server is not None:
            server.stop()


if __name__ == "__main__":
    sys.exit(main())
