"""Pipeline benchmark: end-to-end events/s against Celery's no-op consume rate, and the
accuracy of the FileMaker rate limit. Real processes, loopback only, one run < ~4 minutes.

    .venv/bin/python bench/pipeline.py [--events 2000] [--workers 2] [--concurrency 2]
                                       [--rate-window-s 60] [--json]

1. End to end: Redis (AOF, appendfsync always), the emulator answering instantly, the
   gunicorn ingress and N Celery workers. After a warm-up, E events are sent (signed like
   Stripe, 8 connections; by ``wrk`` when it is on PATH, else by 8 Python threads, which
   take a core's worth of CPU from the machine); the rate is E / (first send -> every
   event delivered).
2. Drain: E events stored through the ingress while no worker runs, then the same N workers
   started; the rate is E / (first delivery -> last). The workers' side alone, measured
   the way the no-op rate is.
3. Celery no-op consume rate on the same Redis, same Celery settings (Hookmaker's
   ``celery_settings``: acks_late, prefetch 1), same worker count and concurrency: E
   messages queued, then the workers started; the rate is E / (first task -> last task).
4. Rate limit: budget 20 requests/s, 4 workers (concurrency 1), a full queue; the emulator's
   per-second request counts over a window (the first 2 s after the workers are up dropped).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "faults")]

import wrk_sender  # noqa: E402  (bench/, beside this file)

NOOP_QUEUE = "bench-noop"
NOOP_COUNTER = "bench:noop:done"


def noop_worker(config_path: str, concurrency: int, name: str) -> None:
    """Run a Celery worker whose one task only counts itself (the baseline)."""
    import redis  # noqa: PLC0415
    from shared.celery_settings import make_celery  # noqa: PLC0415
    from shared.config import load  # noqa: PLC0415

    config = load(config_path)
    app = make_celery(config, name="bench-noop")
    counter = redis.Redis.from_url(config.redis.url)

    @app.task(name="bench.noop", ignore_result=True)
    def noop() -> None:
        counter.incr(NOOP_COUNTER)

    app.worker_main(["worker", "--queues", NOOP_QUEUE, "--concurrency", str(concurrency),
                     "--pool", "prefork", "--loglevel", "WARNING", "--without-gossip",
                     "--without-mingle", "--without-heartbeat", "--hostname", f"{name}@%h"])


def end_to_end(p, events: int, workers: int, concurrency: int, sender: str) -> dict:
    from fault_harness import Sender, keys  # noqa: PLC0415
    from hookmaker.testing import wait_for  # noqa: PLC0415

    p.start_ingress(workers=2)
    for i in range(workers):
        p.start_worker(f"w{i + 1}", concurrency=concurrency)
    warm = Sender(p)
    warm.send_all("stripe", keys("evt_warm", 200), concurrency=8)
    p.wait_settled(60)
    before = p.counts()["accepted"]
    if sender == "wrk":
        requests = [warm.signed("stripe", k) for k in keys("evt_bench", events)]
        started = time.monotonic()
        sent = wrk_sender.send_once(p.ingress_url, "/hooks/stripe", requests, connections=8)
        acked, sent_s = sent["acknowledged"], time.monotonic() - started
    else:
        python_sender = Sender(p)
        started = time.monotonic()
        python_sender.send_all("stripe", keys("evt_bench", events), concurrency=8)
        sent_s = time.monotonic() - started
        acked = sum(1 for s in python_sender.ledger if s.acknowledged)
    wait_for(lambda: p.counts()["delivered"] >= before + events, timeout_s=300,
             what="every event delivered")
    took_s = time.monotonic() - started
    for name in list(p.processes):
        p.stop(name)
    return {"events": events, "acknowledged": acked, "sender": sender,
            "send_s": round(sent_s, 2), "seconds": round(took_s, 2),
            "events_per_s": round(events / took_s, 1),
            "ingress_per_s": round(events / sent_s, 1)}


def drain(p, events: int, workers: int, concurrency: int) -> dict:
    from fault_harness import Sender, keys  # noqa: PLC0415

    p.start_ingress(workers=2)
    Sender(p).send_all("stripe", keys("evt_drain", events), concurrency=8)
    p.stop("ingress")
    for i in range(workers):
        p.start_worker(f"d{i + 1}", concurrency=concurrency, wait=False)
    delivered, took_s = _first_to_last(lambda: p.counts()["delivered"], events)
    for name in list(p.processes):
        p.stop(name)
    return {"events": delivered, "seconds": round(took_s, 2),
            "events_per_s": round(delivered / took_s, 1)}


def _first_to_last(done, total: int, timeout_s: float = 300) -> tuple[int, float]:
    """The final count, and the seconds from ``done() > 0`` to ``done() >= total`` (polled)."""
    deadline = time.monotonic() + timeout_s
    while done() == 0 and time.monotonic() < deadline:
        time.sleep(0.002)
    first = time.monotonic()
    while (count := done()) < total and time.monotonic() < deadline:
        time.sleep(0.005)
    return count, time.monotonic() - first


def noop_rate(p, events: int, workers: int, concurrency: int) -> dict:
    from hookmaker.processes import spawn, stop  # noqa: PLC0415
    from shared.celery_settings import make_celery  # noqa: PLC0415

    app = make_celery(p.config, name="bench-noop-publisher")
    p.redis.delete(NOOP_COUNTER)
    with app.producer_or_acquire() as producer:
        for _ in range(events):
            app.send_task("bench.noop", queue=NOOP_QUEUE, producer=producer)
    procs = [spawn([sys.executable, __file__, "--noop-worker", str(p.config_path),
                    "--concurrency", str(concurrency), "--name", f"noop{i}"],
                   log=p.workdir / f"noop{i}.log", cwd=ROOT) for i in range(workers)]
    try:
        done, took_s = _first_to_last(lambda: int(p.redis.get(NOOP_COUNTER) or 0), events)
    finally:
        for proc in procs:
            stop(proc)
    return {"tasks": done, "seconds": round(took_s, 2), "tasks_per_s": round(done / took_s, 1)}


def rate_accuracy(p, emulator, window_s: int, rate: int = 20, workers: int = 4) -> dict:
    from fault_harness import Sender, keys, per_second  # noqa: PLC0415

    p.start_ingress(workers=2)
    Sender(p).send_all("stripe", keys("evt_rate", rate * (window_s + 10)), concurrency=8)
    for i in range(workers):
        p.start_worker(f"r{i + 1}", concurrency=1)
    start = math.ceil(time.time()) + 2
    time.sleep(max(0.0, start + window_s + 1.2 - time.time()))
    counts = per_second(emulator, since=start, until=start + window_s)
    for name in list(p.processes):
        p.stop(name)
    return {"budget_per_s": rate, "window_s": window_s, "min": min(counts),
            "max": max(counts), "mean": round(sum(counts) / len(counts), 2),
            "seconds_over_budget": sum(1 for c in counts if c > rate), "counts": counts}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--rate-window-s", type=int, default=60)
    parser.add_argument("--sender", choices=["wrk", "python"],
                        default="wrk" if wrk_sender.available() else "python",
                        help="who sends the end-to-end events (default: wrk when on PATH)")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--noop-worker", metavar="CONFIG")
    parser.add_argument("--name", default="noop")
    args = parser.parse_args()
    if args.noop_worker:
        noop_worker(args.noop_worker, args.concurrency, args.name)
        return

    from emulator.testing import EXAMPLE_SCHEMA, EmulatorProcess  # noqa: PLC0415
    from hookmaker.embedded_redis import EmbeddedRedis  # noqa: PLC0415
    from hookmaker.testing import Pipeline  # noqa: PLC0415

    work = Path(tempfile.mkdtemp(prefix="hookmaker-bench-"))
    fast = {"rate_per_s": 100000, "max_in_flight": 64, "max_sessions": 8}
    with EmbeddedRedis(work / "redis") as server, \
            EmulatorProcess(EXAMPLE_SCHEMA, work / "emulator") as emulator:
        e2e = end_to_end(Pipeline(work / "e2e", redis_url=server.url,
                                  filemaker_url=emulator.url, prefix="bench", **fast),
                         args.events, args.workers, args.concurrency, args.sender)
        drained = drain(Pipeline(work / "drain", redis_url=server.url,
                                 filemaker_url=emulator.url, prefix="drain", **fast),
                        args.events, args.workers, args.concurrency)
        base = Pipeline(work / "noop", redis_url=server.url, filemaker_url=emulator.url,
                        prefix="noop")
        noop = noop_rate(base, args.events, args.workers, args.concurrency)
        emulator.reset()
        limit = rate_accuracy(Pipeline(work / "rate", redis_url=server.url,
                                       filemaker_url=emulator.url, prefix="rate",
                                       rate_per_s=20, max_in_flight=8, max_sessions=4),
                              emulator, args.rate_window_s)
    result = {"end_to_end": e2e, "drain": drained, "celery_noop": noop,
              "ratio": round(e2e["events_per_s"] / noop["tasks_per_s"], 2),
              "drain_ratio": round(drained["events_per_s"] / noop["tasks_per_s"], 2),
              "rate_limit": limit, "workers": args.workers, "concurrency": args.concurrency}
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"end to end      {e2e['events_per_s']:8.1f} events/s  ({e2e['events']} events in "
          f"{e2e['seconds']} s; sent by {e2e['sender']} at {e2e['ingress_per_s']}/s, "
          f"{e2e['acknowledged']} acknowledged)")
    print(f"drain           {drained['events_per_s']:8.1f} events/s  ({drained['events']} stored "
          f"events in {drained['seconds']} s, workers only)")
    print(f"celery no-op    {noop['tasks_per_s']:8.1f} tasks/s   ({noop['tasks']} tasks in "
          f"{noop['seconds']} s)")
    print(f"ratio           {result['ratio']:8.2f}           (target >= 0.5)")
    print(f"drain ratio     {result['drain_ratio']:8.2f}           (workers only, same baseline)")
    print(f"rate limit 20/s over {limit['window_s']} s: min {limit['min']}, max {limit['max']}, "
          f"mean {limit['mean']}, seconds over budget {limit['seconds_over_budget']}")


if __name__ == "__main__":
    main()
