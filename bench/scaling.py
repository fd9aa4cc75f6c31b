"""Scaling out: events/s settled by 1, 2 and 4 worker processes, with and without a FileMaker
budget that binds. Real processes, loopback only; a full run takes about 3.5 minutes.

    .venv/bin/python bench/scaling.py [--workers 1 2 4] [--repeats 3] [--window-s 6]
                                      [--plot docs/scaling.png] [--json]

Setup, per run (each run starts from an empty Redis and a reset emulator):

- Redis: the embedded one, AOF ``appendfsync always``, ``noeviction`` (production settings).
- FileMaker: the emulator, every Data API request delayed 20 ms (``latency_ms=20``).
- Backlog: signed ~1.5 KB Stripe ``charge.*`` events (the ``inbox`` route: one Data API
  request each) stored through the ingress's own Flask app in this process (verification,
  envelope, the accept script with its Celery wake-up), not over HTTP: the backlog is there
  before the first worker starts, and gunicorn does not compete with the workers for the
  2 cores.
- Workers: N ``hookmaker worker --pool prefork --concurrency 1`` processes, each with its
  reconciler. Prefork because that is what the deploy files run (and Celery enforces the
  task time limit only there); concurrency 1 so that one worker process is one delivery in
  flight and N is the only thing that varies.
- Measured: settled events (delivered + duplicate + ignored + dead, from the store's
  counts) over a steady window that starts ``--warmup-s`` after every worker is ready;
  also the emulator's Data API requests per whole second in that window.

Budgets: ``open`` (rate 1000/s, 16 in flight, 8 sessions: never binds here) and ``binding``
(rate ``--binding-rate``, default 40/s: above what 1 worker settles, below what 2 do). The
order of N alternates between repeats, so slow drifts in the machine's load hit every N
alike. Each figure is the median of the repeats.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

LATENCY_MS = 20
POOL = "prefork"
OPEN = {"rate_per_s": 1000, "max_in_flight": 16, "max_sessions": 8}
FINAL = ("delivered", "duplicate", "ignored", "dead")
PER_WORKER_GUESS = 40          # events/s one worker can at most settle at 20 ms (~25 seen)


def charge(key: str) -> dict[str, Any]:
    """A Stripe-shaped ``charge.succeeded`` event of about 1.5 KB (the ``inbox`` route)."""
    return {
        "id": key, "object": "event", "api_version": "2024-06-20", "created": 1764763200,
        "type": "charge.succeeded", "livemode": False, "pending_webhooks": 1,
        "request": {"id": f"req_{key[-12:]}", "idempotency_key": f"ik_{key}"},
        "data": {"object": {
            "id": f"ch_{key}", "object": "charge", "amount": 4900, "amount_captured": 4900,
            "amount_refunded": 0, "currency": "usd", "captured": True, "paid": True,
            "status": "succeeded", "customer": "cus_QxT9aBcDeFgHiJ", "description": None,
            "payment_intent": f"pi_{key[-16:]}", "payment_method": "pm_1QxT9aBcDeFgHiJkLmNoP",
            "receipt_email": "ada.lovelace@example.com",
            "receipt_url": "https://pay.stripe.com/receipts/payment/CAcaFwoVYWNjdF8xUXhUOWFC",
            "billing_details": {"address": {"city": "London", "country": "GB",
                                            "line1": "12 Analytical Row", "line2": None,
                                            "postal_code": "NW1 6XE", "state": None},
                                "email": "ada.lovelace@example.com", "name": "Ada Lovelace",
                                "phone": "+44 20 7946 0000"},
            "outcome": {"network_status": "approved_by_network", "reason": None,
                        "risk_level": "normal", "risk_score": 32, "seller_message":
                        "Payment complete.", "type": "authorized"},
            "payment_method_details": {"type": "card", "card": {
                "brand": "visa", "country": "US", "exp_month": 12, "exp_year": 2030,
                "fingerprint": "Xt5EWLLDS7FJjR1c", "funding": "credit", "last4": "4242",
                "network": "visa", "three_d_secure": None,
                "checks": {"address_line1_check": "pass", "address_postal_code_check":
                           "pass", "cvc_check": "pass"}}},
            "metadata": {"order_id": f"ord_{key[-10:]}", "channel": "web"},
            "created": 1764763199}},
    }


class Loader:
    """Signs events like Stripe and stores them through the ingress app, in this process."""

    HEADERS = {"Content-Type": "application/json; charset=utf-8",
               "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
               "Accept": "*/*; q=0.5, application/xml", "Cache-Control": "no-cache"}

    def __init__(self, config) -> None:
        from ingress.app import create_app  # noqa: PLC0415
        from ingress.sources import prepare  # noqa: PLC0415
        self.app = create_app(config)
        self.http = self.app.test_client()
        self.source = prepare(config)["stripe"]

    def post(self, body: bytes) -> str:
        """Store one event; returns its id.

        Raises:
            RuntimeError: the ingress did not answer 202.
        """
        url = "http://ingress.invalid/hooks/stripe"
        headers = dict(self.HEADERS)
        headers.update(self.source.verifier.sign(body, self.source.secrets[0], time.time(),
                                                 self.source.options, url=url))
        answer = self.http.post("/hooks/stripe", data=body, headers=headers)
        if answer.status_code != 202:
            raise RuntimeError(f"ingress answered {answer.status_code}: {answer.text}")
        return answer.get_json()["id"]

    def load(self, prefix: str, n: int) -> None:
        for i in range(n):
            self.post(json.dumps(charge(f"evt_{prefix}_{i:06d}")).encode())

    def close(self) -> None:
        self.app.extensions["hookmaker"].redis.close()


def settled(p) -> int:
    counts = p.counts()
    return sum(counts[s] for s in FINAL)


def start_workers(p, n: int, *, pool: str = POOL, timeout_s: float = 60) -> None:
    """Start ``n`` worker processes at once and wait until every one is ready."""
    from hookmaker.testing import wait_for  # noqa: PLC0415
    names = [f"w{i + 1}" for i in range(n)]
    for name in names:
        p.start_worker(name, concurrency=1, pool=pool, wait=False)
    logs = [p.workdir / f"worker-{name}.log" for name in names]

    def ready() -> bool:
        for name in names:
            proc = p.processes[f"worker-{name}"]
            if proc.poll() is not None:
                raise RuntimeError(f"worker {name} exited with {proc.returncode}")
        return all("ready." in log.read_text(errors="replace") for log in logs)
    wait_for(ready, timeout_s=timeout_s, what=f"{n} workers ready")


def stop_workers(p) -> None:
    """SIGTERM every worker at once, then wait for each (warm shutdown)."""
    from hookmaker.processes import stop  # noqa: PLC0415
    procs = [p.processes.pop(name) for name in list(p.processes) if name.startswith("worker-")]
    for proc in procs:
        if proc.poll() is None:
            os.killpg(proc.pid, 15)
    for proc in procs:
        stop(proc, timeout_s=40)


@dataclass
class Window:
    """What one steady window measured."""

    settled: int
    seconds: float
    backlog_left: int
    fm_per_second: list[int] = field(default_factory=list)

    @property
    def per_s(self) -> float:
        return self.settled / self.seconds


def measure(p, emulator, *, warmup_s: float, window_s: float) -> Window:
    """Settled events over ``window_s`` seconds, starting ``warmup_s`` from now."""
    time.sleep(warmup_s)
    t0, s0 = time.time(), settled(p)
    time.sleep(window_s)
    t1, s1 = time.time(), settled(p)
    rows = {r["second"]: r["count"] for r in emulator.stats()["requests_per_second"]}
    per_second = [rows.get(s, 0) for s in range(math.ceil(t0), math.floor(t1))]
    counts = p.counts()
    left = counts["received"] + counts["scheduled"]
    return Window(s1 - s0, t1 - t0, left, per_second)


def one_run(work: Path, redis_url: str, emulator, *, budget: dict[str, Any], workers: int,
            backlog: int, warmup_s: float, window_s: float, tag: str) -> Window:
    """Fresh Redis and emulator, a stored backlog, N workers, one steady window."""
    import redis  # noqa: PLC0415

    from hookmaker.testing import Pipeline  # noqa: PLC0415
    from shared import defaults as D  # noqa: PLC0415

    with redis.Redis.from_url(redis_url) as client:
        client.flushdb()
    emulator.reset()
    emulator.fault(latency_ms=LATENCY_MS)
    p = Pipeline(work / tag, redis_url=redis_url, filemaker_url=emulator.url, prefix="scale",
                 reconcile_interval_s=D.DEFAULT_RECONCILE_INTERVAL_S,
                 reconcile_grace_s=D.DEFAULT_RECONCILE_GRACE_S, **budget)
    loader = Loader(p.config)
    try:
        loader.load(tag, backlog)
        start_workers(p, workers)
        return measure(p, emulator, warmup_s=warmup_s, window_s=window_s)
    finally:
        loader.close()
        stop_workers(p)
        p.stop_all()


def backlog_for(workers: int, rate_per_s: float, seconds: float) -> int:
    """Enough events that the backlog outlasts start-up, warm-up and the window."""
    return int(min(rate_per_s, PER_WORKER_GUESS * workers) * seconds) + 100


@dataclass
class Row:
    budget: str
    rate_per_s: float
    workers: int
    runs: list[float]
    fm_max_per_s: int
    load_1m: list[float]
    backlog_ran_out: bool
    fm_mean_per_s: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.runs)


def sweep(work: Path, redis_url: str, emulator, args) -> list[Row]:
    budgets = {"open": OPEN, "binding": dict(OPEN, rate_per_s=args.binding_rate)}
    rows: dict[tuple[str, int], Row] = {}
    for rep in range(args.repeats):
        order = args.workers if rep % 2 == 0 else list(reversed(args.workers))
        for name, budget in budgets.items():
            for n in order:
                seconds = args.warmup_s + args.window_s + 8
                win = one_run(work, redis_url, emulator, budget=budget, workers=n,
                              backlog=backlog_for(n, budget["rate_per_s"], seconds),
                              warmup_s=args.warmup_s, window_s=args.window_s,
                              tag=f"{name}-{n}-{rep}")
                row = rows.setdefault((name, n), Row(name, budget["rate_per_s"], n, [], 0,
                                                     [], False))
                row.runs.append(round(win.per_s, 1))
                row.fm_mean_per_s.append(round(statistics.mean(win.fm_per_second or [0]), 1))
                row.fm_max_per_s = max([row.fm_max_per_s, *win.fm_per_second])
                row.load_1m.append(round(os.getloadavg()[0], 2))
                row.backlog_ran_out |= win.backlog_left == 0
                print(f"  {name:8} N={n} rep {rep + 1}: {win.per_s:6.1f} events/s "
                      f"(FileMaker max {max(win.fm_per_second, default=0)}/s, "
                      f"load {os.getloadavg()[0]:.2f})", file=sys.stderr, flush=True)
    return sorted(rows.values(), key=lambda r: (r.budget != "open", r.workers))


def table(rows: list[Row]) -> str:
    base = {r.budget: r.median for r in rows if r.workers == min(x.workers for x in rows)}
    lines = ["| budget | worker processes | events/s (median) | runs | vs 1 worker | "
             "FileMaker req/s mean (max) |", "|---|---|---|---|---|---|"]
    for r in rows:
        budget = "open (1000/s)" if r.budget == "open" else f"binding ({r.rate_per_s:g}/s)"
        runs = ", ".join(f"{x:.1f}" for x in r.runs)
        lines.append(f"| {budget} | {r.workers} | {r.median:.1f} | {runs} | "
                     f"{r.median / base[r.budget]:.2f}× | "
                     f"{statistics.median(r.fm_mean_per_s):.1f} ({r.fm_max_per_s}) |")
    return "\n".join(lines)


def plot(rows: list[Row], path: Path, binding_rate: float, note: str) -> None:
    import matplotlib  # noqa: PLC0415 - a bench-only dependency
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    fig, ax = plt.subplots(figsize=(6.4, 4.2), dpi=120)
    for budget, style, label in (("open", "o-", "budget 1000 req/s (does not bind)"),
                                 ("binding", "s-", f"budget {binding_rate:g} req/s")):
        mine = [r for r in rows if r.budget == budget]
        xs = [r.workers for r in mine]
        line, = ax.plot(xs, [r.median for r in mine], style, label=label)
        for r in mine:
            ax.vlines(r.workers, min(r.runs), max(r.runs), color=line.get_color(), alpha=0.5)
    ax.axhline(binding_rate, color="grey", linestyle="--", linewidth=1,
               label=f"FileMaker budget {binding_rate:g}/s")
    ax.set_xlabel("worker processes (prefork, concurrency 1)")
    ax.set_ylabel("settled events per second")
    ax.set_xticks(sorted({r.workers for r in rows}))
    ax.set_ylim(bottom=0)
    ax.set_title(f"Hookmaker scale-out, emulator latency {LATENCY_MS} ms", fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper left")
    fig.text(0.99, 0.01, note, ha="right", va="bottom", fontsize=7, color="grey")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--warmup-s", type=float, default=1.5)
    parser.add_argument("--window-s", type=float, default=5.0)
    parser.add_argument("--binding-rate", type=float, default=40)
    parser.add_argument("--plot", type=Path, default=ROOT / "docs" / "scaling.png")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    from emulator.testing import EXAMPLE_SCHEMA, EmulatorProcess  # noqa: PLC0415
    from hookmaker.embedded_redis import EmbeddedRedis  # noqa: PLC0415

    work = Path(tempfile.mkdtemp(prefix="hookmaker-scaling-"))
    started = time.monotonic()
    load_before = os.getloadavg()
    with EmbeddedRedis(work / "redis") as server, \
            EmulatorProcess(EXAMPLE_SCHEMA, work / "emulator") as emulator:
        rows = sweep(work, server.url, emulator, args)
    took_s = time.monotonic() - started
    note = (f"{os.cpu_count()} cores, median of {args.repeats}; bars: min-max; "
            f"load 1 min {load_before[0]:.1f} -> {os.getloadavg()[0]:.1f}; "
            f"{time.strftime('%Y-%m-%d')}")
    if args.plot:
        plot(rows, args.plot, args.binding_rate, note)
    if args.json:
        print(json.dumps({"rows": [dict(asdict(r), median=r.median) for r in rows],
                          "seconds": round(took_s, 1), "load_before": load_before,
                          "load_after": os.getloadavg()}, indent=2))
    else:
        print(table(rows))
        print(f"\n{took_s:.0f} s; load average before {load_before[0]:.2f}, "
              f"after {os.getloadavg()[0]:.2f}; plot: {args.plot}")
        if any(r.backlog_ran_out for r in rows):
            print("WARNING: a backlog ran out inside a window; raise PER_WORKER_GUESS")


if __name__ == "__main__":
    main()
