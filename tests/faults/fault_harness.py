"""What the fault scenarios share: senders that keep a ledger, a nemesis that kills worker
processes, and the collection of FileMaker's records and the store's final states for the
checker.

Scale: CI runs short versions; ``HOOKMAKER_SOAK=1`` multiplies event counts and durations
(see docs/faults.md).
"""

from __future__ import annotations

import json
import os
import random
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import requests

from checker import Effect, Final, Send, Verdict, check
from hookmaker.testing import Pipeline

SOAK = os.environ.get("HOOKMAKER_SOAK", "") not in ("", "0")
SOAK_FACTOR = 5 if SOAK else 1


def scaled(n: int) -> int:
    """An event count or a duration, five times larger in a soak run."""
    return n * SOAK_FACTOR


def event(key: str, kind: str = "charge.succeeded") -> dict[str, Any]:
    """A Stripe-shaped event; ``charge.*`` goes to the ``inbox`` route (one request)."""
    return {"id": key, "type": kind, "created": 1764763200,
            "data": {"object": {"id": f"ch_{key}", "amount": 4900}}}


def keys(prefix: str, n: int) -> list[str]:
    return [f"{prefix}_{i:05d}" for i in range(n)]


# --- senders ---

class Sender:
    """Posts signed events like the real senders and records every answer in a ledger."""

    def __init__(self, pipeline: Pipeline, *, timeout_s: float = 10.0) -> None:
        from ingress.sources import prepare  # noqa: PLC0415 - the ingress's own signing
        self.pipeline = pipeline
        self.sources = prepare(pipeline.config)
        self.timeout_s = timeout_s
        self.ledger: list[Send] = []
        self._lock = threading.Lock()
        self._local = threading.local()

    def signed(self, source: str, key: str, payload: dict | None = None
               ) -> tuple[dict[str, str], bytes]:
        """The headers and body of one event, signed now with the source's first secret."""
        body = json.dumps(payload or event(key)).encode()
        ready = self.sources[source]
        headers = {"Content-Type": "application/json"}
        headers.update(ready.verifier.sign(body, ready.secrets[0], time.time(), ready.options,
                                           url=f"{self.pipeline.ingress_url}/hooks/{source}"))
        return headers, body

    def send(self, source: str, key: str, *, headers: dict[str, str] | None = None,
             payload: dict | None = None) -> Send:
        sent, body = self.signed(source, key, payload)
        url = f"{self.pipeline.ingress_url}/hooks/{source}"
        sent.update(headers or {})
        try:
            answer = self._session().post(url, data=body, headers=sent,
                                          timeout=self.timeout_s)
            event_id = answer.json().get("id") if answer.status_code < 300 else None
            record = Send(key, answer.status_code, event_id)
        except (requests.RequestException, ValueError):
            record = Send(key, None)
        with self._lock:
            self.ledger.append(record)
        return record

    def send_all(self, source: str, items: Sequence[str], *, concurrency: int = 8,
                 headers: Callable[[str], dict[str, str]] | None = None,
                 retry_until_acknowledged: bool = False) -> None:
        """Send every key once (or until a 2xx, like a sender that retries)."""
        def one(key: str) -> None:
            for attempt in range(20 if retry_until_acknowledged else 1):
                if self.send(source, key, headers=headers(key) if headers else None) \
                        .acknowledged:
                    return
                time.sleep(min(0.2 * 2 ** attempt, 2.0))
        with ThreadPoolExecutor(concurrency) as pool:
            list(pool.map(one, items))

    def _session(self) -> requests.Session:
        if not hasattr(self._local, "session"):
            self._local.session = requests.Session()
        return self._local.session

    def acknowledged_ids(self) -> set[str]:
        return {s.event_id for s in self.ledger if s.acknowledged and s.event_id}


# --- worker nemesis ---

def children(pid: int) -> list[int]:
    """The direct children of a process (a Celery worker's pool processes)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, ValueError):
            pass
    return found


def kill9(pid: int) -> bool:
    try:
        os.kill(pid, signal.SIGKILL)
        return True
    except ProcessLookupError:
        return False


class WorkerNemesis(threading.Thread):
    """Every ``every_s`` (jittered), SIGKILLs a random worker's pool child or its main
    process, and starts a replacement for a killed main process. Counts what it did."""

    def __init__(self, pipeline: Pipeline, names: Iterable[str], *, every_s: float,
                 concurrency: int, seed: int = 7) -> None:
        super().__init__(name="worker-nemesis", daemon=True)
        self.pipeline = pipeline
        self.names = list(names)
        self.every_s = every_s
        self.concurrency = concurrency
        self.rng = random.Random(seed)
        self.kills = {"child": 0, "main": 0}
        self.generation = {n: 0 for n in self.names}
        self._stopping = threading.Event()
        self.error: BaseException | None = None

    def process_key(self, name: str) -> str:
        return f"worker-{name}.{self.generation[name]}"

    def start_all(self) -> None:
        for name in self.names:
            self._start(name)

    def _start(self, name: str) -> None:
        self.pipeline.start_worker(f"{name}.{self.generation[name]}",
                                   concurrency=self.concurrency)

    def run(self) -> None:
        try:
            while not self._stopping.wait(self.every_s * self.rng.uniform(0.5, 1.5)):
                self.strike()
        except BaseException as exc:   # noqa: BLE001 - reported by the test
            self.error = exc

    def strike(self) -> None:
        name = self.rng.choice(self.names)
        proc = self.pipeline.processes.get(self.process_key(name))
        if proc is None:
            return
        pool = children(proc.pid)
        if pool and self.rng.random() < 0.6:
            if kill9(self.rng.choice(pool)):
                self.kills["child"] += 1
            return
        kill9(proc.pid)
        proc.wait()
        self.kills["main"] += 1
        time.sleep(0.2)
        try:
            os.killpg(proc.pid, signal.SIGKILL)     # pool processes its death orphaned
        except ProcessLookupError:
            pass
        self.pipeline.processes.pop(self.process_key(name), None)
        self.generation[name] += 1
        self._start(name)

    def stop(self) -> None:
        self._stopping.set()
        self.join(timeout=60)


# --- collecting and checking ---

def sender_key(body: str) -> str:
    try:
        return str(json.loads(body).get("id", ""))
    except (ValueError, AttributeError):
        return ""


def effects(emulator, layout: str = "Inbox") -> list[Effect]:
    """One Effect per FileMaker record, keyed by the sender key in its Payload."""
    out = []
    for record in emulator.records("Hookmaker", layout):
        data = record["fieldData"]
        out.append(Effect(sender_key(str(data.get("Payload", ""))), str(data.get("EventId"))))
    return out


def finals(pipeline: Pipeline) -> list[Final]:
    """Every event the store holds, with its sender key, state and dead-letter cause."""
    ids = [i.decode() for i in pipeline.redis.zrange(pipeline.store.keys.timeline, 0, -1)]
    out = []
    for event_id in ids:
        record = pipeline.store.get(event_id)
        if record is None:
            continue
        cause = ""
        if record.state == "dead" and record.history:
            last = record.history[-1]
            cause = f"{last.outcome}{' ' + last.code if last.code else ''}: {last.message}"
        out.append(Final(sender_key(record.envelope.text()), event_id, record.state, cause))
    return out


def wait_quiet(pipeline: Pipeline, *, timeout_s: float, still_s: float = 0.0) -> bool:
    """Wait until every accepted event is final, at most ``timeout_s``.

    With ``still_s``, stop early once the counts have not moved for that long (a known-bad
    run that will never settle). Returns whether it settled.
    """
    deadline = time.monotonic() + timeout_s
    last, since = None, time.monotonic()
    while time.monotonic() < deadline:
        try:
            if pipeline.settled():
                return True
            counts = pipeline.counts()
        except Exception:   # noqa: BLE001 - Redis restarting: look again
            counts = None
        if counts != last:
            last, since = counts, time.monotonic()
        elif still_s and time.monotonic() - since > still_s:
            return False
        time.sleep(0.2)
    return False


def verdict(pipeline: Pipeline, emulator, sender: Sender, layout: str = "Inbox") -> Verdict:
    return check(sender.ledger, effects(emulator, layout), finals(pipeline))


def per_second(emulator, *, since: float, until: float) -> list[int]:
    """The emulator's Data API request counts for each whole second in [since, until)."""
    counts = {row["second"]: row["count"] for row in emulator.stats()["requests_per_second"]}
    return [counts.get(s, 0) for s in range(int(since), int(until))]
