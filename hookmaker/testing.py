"""Real processes for tests and benchmarks: the ingress (gunicorn) and Celery workers.

``Pipeline`` writes a config for a given Redis and FileMaker (the emulator), starts the
parts as real subprocesses, signs and sends events the way the senders do, and reads the
event store. It mocks nothing.
"""

from __future__ import annotations

import json
import signal
import sys
import time
from pathlib import Path
from typing import Any, Callable

import requests

from hookmaker.processes import free_port, spawn, stop, wait_until
from shared import defaults as D
from shared.config import Config, load
from shared.eventstore import STATES, EventStore
from shared.keys import Keys
from shared.redisconn import connect

SECRETS = {"stripe": "whsec_test_secret_for_pipeline", "shop": "shop-test-secret",
           "filemaker": "hookmaker-dev"}

CONFIG_TEMPLATE = """
[redis]
url = "{redis_url}"
prefix = "{prefix}"

[worker]
lease_s = {lease_s}
reconcile_interval_s = {reconcile_interval_s}
reconcile_grace_s = {reconcile_grace_s}
backoff_base_s = {backoff_base_s}
backoff_cap_s = {backoff_cap_s}
visibility_timeout_s = {visibility_timeout_s}
unsafe = {unsafe}

[filemaker.main]
url = "{filemaker_url}"
database = "Hookmaker"
username = "hookmaker"
password = "file:secrets/filemaker"
rate_per_s = {rate_per_s}
max_in_flight = {max_in_flight}
max_sessions = {max_sessions}
read_timeout_s = {read_timeout_s}

[sources.stripe]
verifier = "stripe"
secrets = ["file:secrets/stripe"]

[sources.shop]
verifier = "hmac"
secrets = ["file:secrets/shop"]
dedupe = {{ header = "X-Shop-Delivery" }}
[sources.shop.options]
header = "X-Shop-Signature"

[[routes]]
name = "orders"
source = "stripe"
events = ["checkout.session.completed"]
layout = "Orders"
action = "create"
event_id_field = "EventId"
max_attempts = {max_attempts}
[routes.fields]
EventId = "@event_id"
OrderId = "/data/object/id"
Customer = "/data/object/customer_details/email"
Amount = {{ path = "/data/object/amount_total", type = "number" }}
Currency = "/data/object/currency"

[[routes]]
name = "broken"
source = "stripe"
events = ["broken.*"]
layout = "Orders"
action = "create"
[routes.fields]
EventId = "@event_id"
NoSuchField = "/id"

[[routes]]
name = "inbox"
source = "stripe"
events = ["*"]
layout = "Inbox"
action = "inbox"
max_attempts = {max_attempts}

[[routes]]
name = "shop"
source = "shop"
layout = "Inbox"
action = "inbox"
max_attempts = {max_attempts}
"""

DEFAULTS = {"prefix": "hm", "lease_s": 30, "reconcile_interval_s": 0.5,
            "reconcile_grace_s": 1.0, "backoff_base_s": 0.2, "backoff_cap_s": 2.0,
            "rate_per_s": 200, "max_in_flight": 8, "read_timeout_s": 10, "max_attempts": 5,
            # for the fault suite (tests/faults): the production defaults unless a test asks
            "visibility_timeout_s": D.DEFAULT_VISIBILITY_TIMEOUT_S,
            "max_sessions": D.DEFAULT_FM_MAX_SESSIONS, "unsafe": ()}


class Pipeline:
    """The ingress and workers of one test, as real processes."""

    def __init__(self, workdir: Path, *, redis_url: str, filemaker_url: str,
                 **settings: Any) -> None:
        self.workdir = workdir
        self.workdir.mkdir(parents=True, exist_ok=True)
        (workdir / "secrets").mkdir(exist_ok=True)
        for name, value in SECRETS.items():
            (workdir / "secrets" / name).write_text(value)
        values = dict(DEFAULTS, **settings, redis_url=redis_url, filemaker_url=filemaker_url)
        values["unsafe"] = json.dumps(list(values["unsafe"]))   # a TOML array of strings
        self.config_path = workdir / "hookmaker.toml"
        self.config_path.write_text(CONFIG_TEMPLATE.format(**values))
        self.config: Config = load(self.config_path, {})
        self.redis = connect(self.config.redis)
        self.store = EventStore(self.redis, Keys(self.config.redis.prefix),
                                retention_s=self.config.worker.retention_s)
        self.ingress_url = ""
        self.processes: dict[str, Any] = {}

    # --- processes ---
    def _cli(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "hookmaker", "--config", str(self.config_path), *args]

    def start_ingress(self, *, workers: int = 1, threads: int = 4) -> str:
        port = free_port()
        log = self.workdir / "ingress.log"
        proc = spawn(self._cli("ingress", "--bind", f"127.0.0.1:{port}", "--workers",
                               str(workers), "--threads", str(threads)), log=log)
        self.processes["ingress"] = proc
        self.ingress_url = f"http://127.0.0.1:{port}"
        wait_until(lambda: _ok(self.ingress_url + "/readyz"), timeout_s=30, what="ingress",
                   proc=proc, log=log)
        return self.ingress_url

    def start_worker(self, name: str = "w1", *, concurrency: int = 2, pool: str = "prefork",
                     reconcile: bool = True, wait: bool = True):
        log = self.workdir / f"worker-{name}.log"
        args = ["worker", "-c", str(concurrency), "-P", pool, "-n", f"{name}@%h"]
        proc = spawn(self._cli(*args, *([] if reconcile else ["--no-reconcile"])), log=log)
        self.processes[f"worker-{name}"] = proc
        if wait:
            wait_until(lambda: "ready." in log.read_text(errors="replace"), timeout_s=30,
                       what=f"worker {name}", proc=proc, log=log)
        return proc

    def stop(self, name: str, sig: int = signal.SIGTERM) -> None:
        proc = self.processes.pop(name, None)
        if proc is not None:
            stop(proc, sig=sig, timeout_s=40)

    def stop_all(self) -> None:
        for name in list(self.processes):
            self.stop(name)
        self.redis.close()

    # --- sending ---
    def send(self, source: str, payload: dict | bytes, *, headers: dict | None = None,
             sign: bool = True, secret: str | None = None) -> requests.Response:
        """POST like the sender: the body signed with the source's secret (or ``secret``)."""
        from ingress.sources import prepare  # noqa: PLC0415
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        ready = prepare(self.config)[source]
        url = f"{self.ingress_url}/hooks/{source}"
        sent = {"Content-Type": "application/json"}
        if sign:
            sent.update(ready.verifier.sign(body, secret or ready.secrets[0], time.time(),
                                            ready.options, url=url))
        sent.update(headers or {})
        return requests.post(url, data=body, headers=sent, timeout=10)

    # --- reading ---
    def counts(self) -> dict[str, int]:
        return self.store.counts()

    def settled(self) -> bool:
        """Every accepted event is in a final state."""
        counts = self.counts()
        final = sum(counts[s] for s in ("delivered", "duplicate", "ignored", "dead"))
        return final == counts["accepted"]

    def wait_settled(self, timeout_s: float = 60) -> dict[str, int]:
        wait_for(self.settled, timeout_s=timeout_s, what=lambda: f"settled: {self.counts()}")
        return self.counts()


def adds_up(counts: dict[str, int]) -> bool:
    return sum(counts[s] for s in STATES) == counts["accepted"]


def wait_for(check: Callable[[], bool], *, timeout_s: float,
             what: Callable[[], str] | str = "condition") -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout_s} s waiting for "
                         f"{what() if callable(what) else what}")


def _ok(url: str) -> bool:
    try:
        return requests.get(url, timeout=1).status_code == 200
    except requests.RequestException:
        return False
