"""Benchmark: the ingress against a bare Flask app that only answers 202, same server settings.

    .venv/bin/python bench/ingress.py                 # gunicorn sync -w 2 and granian, c=16
    .venv/bin/python bench/ingress.py --servers gunicorn --runs 3 --duration 8

Needs: ``wrk`` on PATH (Debian: ``apt-get install -y wrk``); gunicorn (a runtime dependency);
granian only for ``--servers granian`` (an optional dependency). Starts its own redis-server
(the embedded one, AOF ``appendfsync everysec``, ``noeviction``) and stops everything it
started, by pid. Installs nothing.

The event is a realistic ~1.5 KB GitHub ``push`` JSON, HMAC-SHA256 signed, with a unique
``X-GitHub-Delivery`` per request (so each request is a new event: no duplicates). Each
(server, app) pair is booted once, warmed up, then measured ``--runs`` times; the table shows
the median run [min–max]. After each ingress run the bench checks that Redis holds at least
as many events as wrk counted 2xx answers.

A third app, the **reference**, is what the issue measured as the cheapest design worth
having: Flask, the HMAC-SHA256 check and one Redis ``LPUSH`` of the body, then 202. It shows
how much of the bare app's throughput this machine leaves for any ingress that verifies
and stores, before the ingress's own features (dedupe, rate limits, the event store, the
wake-up, request ids, metrics). ``--no-reference`` skips it.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hookmaker.embedded_redis import EmbeddedRedis  # noqa: E402
from hookmaker.processes import free_port, port_open, spawn, stop, wait_until  # noqa: E402
from hookmaker.serve import GRANIAN_FACTORY, GUNICORN_APP, server_argv  # noqa: E402
from shared.config import load  # noqa: E402

SECRET = "bench-secret-not-for-production"
APPS = {"bare": ("bench.ingress:bare_app()", "bench.ingress:bare_app"),
        "reference": ("bench.ingress:reference_app()", "bench.ingress:reference_app")}

CONFIG = """
[redis]
url = "{redis_url}"
prefix = "bench"

[ingress]
workers = {workers}
threads = {threads}

[filemaker.main]
url = "http://127.0.0.1:9"
database = "Bench"
username = "bench"
password = "file:secret"

[sources.github]
verifier = "github"
secrets = ["file:secret"]
"""

WRK_SCRIPT = """
local counter = 0
local thread_id = 0
local threads = {}
function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end
function init(args)
  thread_id = tid
end
local body = [==[BODY]==]
function request()
  counter = counter + 1
  local headers = {}
  headers["Content-Type"] = "application/json"
  headers["User-Agent"] = "GitHub-Hookshot/bench"
  headers["X-GitHub-Event"] = "push"
  headers["X-GitHub-Delivery"] = string.format("RUN-%d-%d", thread_id, counter)
  headers["X-Hub-Signature-256"] = "SIGNATURE"
  return wrk.format("POST", "PATH", headers, body)
end
"""


def bare_app():
    """The baseline: Flask, one POST route, reads the body, answers 202."""
    from flask import Flask, Response, request  # noqa: PLC0415
    app = Flask("bare")

    @app.post("/hooks/<name>")
    def hook(name: str) -> Response:
        request.get_data()
        return Response('{"id":"x"}', status=202, content_type="application/json")

    return app


def reference_app():
    """The issue's reference: Flask, verify the GitHub HMAC, one ``LPUSH``, answer 202."""
    import redis  # noqa: PLC0415
    from flask import Flask, Response, request  # noqa: PLC0415
    app = Flask("reference")
    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    secret = SECRET.encode()

    @app.post("/hooks/<name>")
    def hook(name: str) -> Response:
        body = request.get_data()
        expected = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(request.headers.get("X-Hub-Signature-256", ""), expected):
            return Response('{"error":"signature"}', status=401,
                            content_type="application/json")
        client.lpush("reference:queue", body)
        return Response('{"id":"x"}', status=202, content_type="application/json")

    return app


def event_body() -> bytes:
    """A GitHub push event of about 1.5 KB."""
    commit = {"id": "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c", "tree_id": "f9d2a07e9488b91",
              "distinct": True, "message": "Update the README with the ingress benchmark",
              "timestamp": "2026-12-03T10:00:00Z",
              "url": "https://github.com/octo-org/hello-world/commit/0d1a26e67d8f5eaf",
              "author": {"name": "Ada Lovelace", "email": "ada@example.com",
                         "username": "ada"},
              "committer": {"name": "GitHub", "email": "noreply@github.com",
                            "username": "web-flow"},
              "added": [], "removed": [], "modified": ["README.md", "docs/benchmarks.md"]}
    event = {"ref": "refs/heads/main", "before": "6113728f27ae82c7b1a177c8d03f9e96e0adf246",
             "after": "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c", "created": False,
             "deleted": False, "forced": False, "base_ref": None,
             "compare": "https://github.com/octo-org/hello-world/compare/6113728f27ae...0d1a26e67d8f",
             "commits": [commit], "head_commit": commit,
             "repository": {"id": 1296269, "node_id": "MDEwOlJlcG9zaXRvcnkxMjk2MjY5",
                            "name": "hello-world", "full_name": "octo-org/hello-world",
                            "private": False, "default_branch": "main"},
             "pusher": {"name": "ada", "email": "ada@example.com"},
             "sender": {"login": "ada", "id": 583231, "type": "User",
                        "site_admin": False}}
    return json.dumps(event, indent=1).encode()


@dataclass(frozen=True)
class Run:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    bad: int


def parse_wrk(text: str) -> Run:
    def ms(label: str) -> float:
        match = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
        if not match:
            raise RuntimeError(f"no {label}% latency in wrk output:\n{text}")
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    requests = int(re.search(r"(\d+) requests in", text).group(1))
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
                       text)
    socket_errors = sum(int(g) for g in errors.groups()) if errors else 0
    return Run(rps, ms("50"), ms("99"), requests, (int(bad.group(1)) if bad else 0)
               + socket_errors)


def wrk(url: str, script: Path, *, duration_s: int, connections: int, threads: int) -> Run:
    out = subprocess.run(["wrk", "-t", str(threads), "-c", str(connections),
                          "-d", f"{duration_s}s", "--latency", "-s", str(script), url],
                         capture_output=True, text=True, timeout=duration_s + 60, check=True)
    return parse_wrk(out.stdout)


def serve(kind: str, server: str, config, *, port: int, workers: int, threads: int,
          workdir: Path, env: dict) -> subprocess.Popen:
    bind = f"127.0.0.1:{port}"
    argv = server_argv(config, server=server, bind=bind, workers=workers, threads=threads,
                       access_log=False)
    if kind in APPS:
        target = GRANIAN_FACTORY if server == "granian" else GUNICORN_APP
        argv[argv.index(target)] = APPS[kind][1 if server == "granian" else 0]
    log = workdir / f"{server}-{kind}.log"
    proc = spawn(argv, log=log, env=env, cwd=ROOT)
    wait_until(lambda: port_open("127.0.0.1", port), timeout_s=30, what=f"{server} {kind}",
               proc=proc, log=log)
    return proc




def one_run(args: argparse.Namespace, client, server: str, kind: str, i: int, port: int,
            body: bytes, signature: str, workdir: Path) -> Run:
    script = workdir / f"wrk-{server}-{kind}-{i}.lua"
    script.write_text(WRK_SCRIPT.replace("BODY", body.decode()).replace("SIGNATURE", signature)
                      .replace("PATH", "/hooks/github").replace("RUN", f"{server}{kind}{i}"))
    client.flushall()
    load = os.getloadavg()[0]
    run = wrk(f"http://127.0.0.1:{port}", script,
              duration_s=args.warmup if i == 0 else args.duration,
              connections=args.connections, threads=args.wrk_threads)
    if kind == "ingress":
        stored = int(client.hget("bench:counts", "accepted") or 0)
        if stored < run.requests - run.bad:
            raise RuntimeError(f"only {stored} events stored for {run.requests - run.bad} "
                               "2xx answers")
    if i:
        print(f"  {server:8} {kind:7} run {i}: {run.rps:8.0f} req/s  p50 {run.p50_ms:6.2f} ms"
              f"  p99 {run.p99_ms:6.2f} ms  non-2xx/errors {run.bad}  (load before {load:.1f})",
              flush=True)
    return run


def measure(args: argparse.Namespace) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix="hookmaker-bench-"))
    body = event_body()
    signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    results: dict = {}
    with EmbeddedRedis(workdir / "redis", appendfsync="everysec") as redis_server:
        (workdir / "secret").write_text(SECRET)
        config_path = workdir / "hookmaker.toml"
        config_path.write_text(CONFIG.format(redis_url=redis_server.url, workers=args.workers,
                                             threads=args.threads))
        config = load(config_path, {})
        env = {"HOOKMAKER_CONFIG": str(config_path), "REDIS_URL": redis_server.url,
               "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
        import redis  # noqa: PLC0415
        client = redis.Redis.from_url(redis_server.url)
        for server in args.servers:
            threads = args.granian_threads if server == "granian" else args.threads
            procs, ports = {}, {}
            try:
                for kind in args.kinds:   # all up at once; runs alternate, so all see the
                    ports[kind] = free_port()   # same machine load
                    procs[kind] = serve(kind, server, config, port=ports[kind],
                                        workers=args.workers, threads=threads,
                                        workdir=workdir, env=env)
                for i in range(args.runs + 1):      # round 0 is the warm-up
                    for kind in args.kinds:
                        run = one_run(args, client, server, kind, i, ports[kind], body,
                                      signature, workdir)
                        if i:
                            results.setdefault((server, kind), []).append(run)
            finally:
                for proc in procs.values():
                    stop(proc)
        client.close()
    shutil.rmtree(workdir, ignore_errors=True)
    return results


def summary(results: dict, args: argparse.Namespace) -> str:
    lines = [f"c={args.connections}, wrk -t{args.wrk_threads}, {args.workers} workers; "
             f"gunicorn threads {args.threads}, granian blocking threads "
             f"{args.granian_threads}; {args.runs} runs of {args.duration} s "
             "(median [min-max])",
             "", "| server | app | req/s | p50 ms | p99 ms |", "|---|---|---|---|---|"]
    for (server, kind), runs in results.items():
        def cell(values: list[float], fmt: str) -> str:
            return (f"{statistics.median(values):{fmt}} "
                    f"[{min(values):{fmt}}–{max(values):{fmt}}]")
        lines.append(f"| {server} | {kind} | {cell([r.rps for r in runs], '.0f')} | "
                     f"{cell([r.p50_ms for r in runs], '.2f')} | "
                     f"{cell([r.p99_ms for r in runs], '.2f')} |")
    lines.append("")
    for server in args.servers:
        bare, ing = results.get((server, "bare")), results.get((server, "ingress"))
        if not bare or not ing:
            continue
        rps = statistics.median(r.rps for r in ing) / statistics.median(r.rps for r in bare)
        p99 = (statistics.median(r.p99_ms for r in ing)
               / statistics.median(r.p99_ms for r in bare))
        verdict = "meets" if rps >= 0.6 and p99 <= 3 else "MISSES"
        lines.append(f"{server}: ingress/bare throughput {rps:.2f} (target >= 0.6), "
                     f"p99 {p99:.2f}x (target <= 3): {verdict} the target")
        ref = results.get((server, "reference"))
        if ref:
            ref_rps = statistics.median(r.rps for r in ref)
            bare_rps = statistics.median(r.rps for r in bare)
            ing_rps = statistics.median(r.rps for r in ing)
            lines.append(f"{server}: reference/bare {ref_rps / bare_rps:.2f} (what this machine "
                         f"leaves for verify + one write), ingress/reference "
                         f"{ing_rps / ref_rps:.2f}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--servers", nargs="+", default=["gunicorn", "granian"],
                        choices=["gunicorn", "granian"])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1,
                        help="gunicorn threads per worker (1 = the sync worker)")
    parser.add_argument("--granian-threads", type=int, default=2,
                        help="granian --blocking-threads per worker")
    parser.add_argument("--connections", "-c", type=int, default=16)
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--duration", type=int, default=8, help="seconds per run")
    parser.add_argument("--warmup", type=int, default=2, help="seconds, not recorded")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-reference", dest="reference", action="store_false",
                        help="skip the reference app (HMAC check and one LPUSH)")
    args = parser.parse_args()
    args.kinds = ("bare", "reference", "ingress") if args.reference else ("bare", "ingress")
    if not shutil.which("wrk"):
        print("wrk is not on PATH (Debian: apt-get install -y wrk)", file=sys.stderr)
        return 2
    if "granian" in args.servers:
        try:
            import granian  # noqa: F401, PLC0415
        except ImportError:
            print("granian is not installed (pip install granian), or pass --servers "
                  "gunicorn", file=sys.stderr)
            return 2
    started = time.monotonic()
    results = measure(args)
    print()
    print(summary(results, args))
    print(f"\n({time.monotonic() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
