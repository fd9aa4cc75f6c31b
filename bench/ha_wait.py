"""Benchmark: what ``[redis] wait_replicas = 1`` costs the ingress, on Redis Sentinel.

    .venv/bin/python bench/ha_wait.py                  # c=4, 3 rounds of 400 requests each
    .venv/bin/python bench/ha_wait.py --concurrency 8 --requests 600 --rounds 5

Starts a Sentinel group on this machine (a primary and one replica, both AOF
``appendfsync always``; three sentinels: ``hookmaker/sentinel_testing.py``) and two ingresses
on it (gunicorn, 2 workers, 4 threads each), one without WAIT and one with
``wait_replicas = 1`` (``wait_timeout_ms = 200``). Closed-loop Python senders post signed
Stripe-style events (a fresh id each, so no duplicates); the rounds alternate between the
two ingresses so both see the same machine load. Prints p50/p90/p99 latency and requests
per second per mode (all rounds pooled), and the share of 503s. No worker runs: the events
stay ``received``. Stops everything it started. Installs nothing.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hookmaker.sentinel_testing import SentinelGroup  # noqa: E402
from hookmaker.testing import Pipeline  # noqa: E402
from ingress.sources import prepare  # noqa: E402

MODES = {"async (no WAIT)": {}, "WAIT 1 replica": {"wait_replicas": 1, "wait_timeout_ms": 200}}


def ingress_for(group: SentinelGroup, workdir: Path, extra: dict) -> Pipeline:
    """A pipeline whose config has ``extra`` in ``[redis]``, with its ingress running."""
    p = Pipeline(workdir, redis_url=group.url(), filemaker_url="http://127.0.0.1:1")
    lines = "".join(f"{k} = {json.dumps(v)}\n" for k, v in extra.items())
    p.config_path.write_text(p.config_path.read_text().replace("[redis]\n", "[redis]\n" + lines, 1))
    p.start_ingress(workers=2, threads=4)           # the ingress reads the file itself
    return p


def round_of(p: Pipeline, tag: str, n: int, concurrency: int) -> tuple[list[float], int, float]:
    """``n`` requests from ``concurrency`` threads; (latencies of the 2xx in ms, 503s, s)."""
    stripe = prepare(p.config)["stripe"]
    url = p.ingress_url + "/hooks/stripe"
    latencies: list[float] = []
    refused = [0]
    lock = threading.Lock()

    def sender(k: int) -> None:
        session = requests.Session()
        for i in range(k, n, concurrency):
            body = json.dumps({"id": f"evt_{tag}_{i}", "type": "charge.succeeded"}).encode()
            headers = {"Content-Type": "application/json",
                       **stripe.verifier.sign(body, stripe.secrets[0], time.time(),
                                              stripe.options, url=url)}
            started = time.perf_counter()
            status = session.post(url, data=body, headers=headers, timeout=10).status_code
            elapsed_ms = (time.perf_counter() - started) * 1000
            with lock:
                if 200 <= status < 300:
                    latencies.append(elapsed_ms)
                else:
                    refused[0] += 1
        session.close()

    threads = [threading.Thread(target=sender, args=(k,)) for k in range(concurrency)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, refused[0], time.perf_counter() - started


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--requests", type=int, default=400, help="per round and mode")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ha-wait-") as tmp, \
            SentinelGroup(Path(tmp) / "sentinel", replicas=1) as group:
        pipelines = {}
        try:
            for i, (mode, extra) in enumerate(MODES.items()):
                pipelines[mode] = ingress_for(group, Path(tmp) / f"p{i}", extra)
            results = {mode: ([], 0, 0.0) for mode in MODES}
            for mode, p in pipelines.items():              # warm-up
                round_of(p, f"warm{len(mode)}", 100, args.concurrency)
            for r in range(args.rounds):
                for i, (mode, p) in enumerate(pipelines.items()):
                    lat, refused, took = round_of(p, f"r{r}m{i}", args.requests,
                                                  args.concurrency)
                    old = results[mode]
                    results[mode] = (old[0] + lat, old[1] + refused, old[2] + took)
        finally:
            for p in pipelines.values():
                p.stop_all()
    print(f"c={args.concurrency}, {args.rounds} rounds x {args.requests} requests per mode")
    print("| mode | req/s | p50 ms | p90 ms | p99 ms | 503 |")
    print("|---|---|---|---|---|---|")
    for mode, (lat, refused, took) in results.items():
        print(f"| {mode} | {(len(lat) + refused) / took:.0f} | {pct(lat, 0.5):.2f} | "
              f"{pct(lat, 0.9):.2f} | {pct(lat, 0.99):.2f} | {refused} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
