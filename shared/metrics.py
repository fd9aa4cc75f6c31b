"""Prometheus metrics: every name in one place, correct under gunicorn and Celery prefork.

Counters and histograms are written by whichever process does the work (a gunicorn worker,
a Celery pool child) into ``PROMETHEUS_MULTIPROC_DIR`` and summed at scrape time
(prometheus-client's multiprocess mode); ``hookmaker ingress`` and ``hookmaker worker``
create that folder when it is not set. What lives in Redis (queue depth, backlog age, events
by state, dead letters, circuits) is read from Redis at scrape time, so every scrape of any
process tells the same truth.
"""

from __future__ import annotations

import os
import shutil
import time
from typing import Callable, Iterable

from prometheus_client import (CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram,
                               generate_latest)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead

from shared.metrics_dir import MULTIPROC_ENV

FAST_BUCKETS_S = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
FM_BUCKETS_S = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

# --- ingress ---
INGRESS_REQUESTS = Counter("hookmaker_ingress_requests", "Webhook requests answered",
                           ["source", "status"])
INGRESS_ACK_SECONDS = Histogram("hookmaker_ingress_ack_seconds",
                                "Time from request to a 2xx (stored and woken)",
                                buckets=FAST_BUCKETS_S)
INGRESS_REJECTIONS = Counter("hookmaker_ingress_rejections", "Requests refused, by reason",
                             ["source", "reason"])
# --- workers ---
EVENTS = Counter("hookmaker_events", "Events settled, by outcome "
                 "(delivered, duplicate, ignored, dead, scheduled)", ["outcome"])
ATTEMPTS = Counter("hookmaker_attempts", "Delivery attempts, by outcome class", ["outcome"])
RATELIMIT_WAITS = Counter("hookmaker_ratelimit_waits",
                          "Deliveries that waited for the FileMaker budget or circuit",
                          ["server"])
FILEMAKER_SECONDS = Histogram("hookmaker_filemaker_request_seconds",
                              "FileMaker Data API requests, by database and code",
                              ["database", "code"], buckets=FM_BUCKETS_S)


def clear_multiprocess_dir() -> None:
    folder = os.environ.get(MULTIPROC_ENV)
    if folder and os.path.isdir(folder):
        shutil.rmtree(folder, ignore_errors=True)
        os.makedirs(folder, exist_ok=True)


def process_exited(pid: int) -> None:
    """Tell multiprocess mode a worker process is gone (its live gauges are dropped)."""
    if os.environ.get(MULTIPROC_ENV):
        mark_process_dead(pid)


def registry(*collectors) -> CollectorRegistry:
    """A registry for one scrape: every process's counters plus ``collectors``."""
    reg = CollectorRegistry()
    if os.environ.get(MULTIPROC_ENV):
        MultiProcessCollector(reg)
    else:
        from prometheus_client import REGISTRY  # noqa: PLC0415
        reg = REGISTRY
    for collector in collectors:
        try:
            reg.register(collector)
        except ValueError:
            pass                              # already registered (the default registry)
    return reg


def exposition(reg: CollectorRegistry) -> tuple[bytes, str]:
    return generate_latest(reg), CONTENT_TYPE_LATEST


class StoreCollector:
    """Gauges read from Redis at scrape time (cheap reads: a few commands)."""

    def __init__(self, read: Callable[[], dict]) -> None:
        self._read = read

    def collect(self) -> Iterable[GaugeMetricFamily]:
        try:
            data = self._read()
        except Exception:                 # noqa: BLE001 - Redis away: report what we can
            up = GaugeMetricFamily("hookmaker_store_up", "Redis answered this scrape")
            up.add_metric([], 0)
            yield up
            return
        yield from _store_families(data)

    def describe(self) -> list:
        return []


def _store_families(data: dict) -> Iterable[GaugeMetricFamily]:
    up = GaugeMetricFamily("hookmaker_store_up", "Redis answered this scrape")
    up.add_metric([], 1)
    yield up
    states = GaugeMetricFamily("hookmaker_events_in_state", "Events by state now", labels=["state"])
    for state, count in data["states"].items():
        states.add_metric([state], count)
    yield states
    depth = GaugeMetricFamily("hookmaker_queue_depth", "Wake-ups waiting in the Celery queue")
    depth.add_metric([], data["queue_depth"])
    yield depth
    age = GaugeMetricFamily("hookmaker_oldest_pending_age_seconds",
                            "Age of the oldest event not yet delivered or dead-lettered")
    age.add_metric([], data["oldest_pending_age_s"] or 0.0)
    yield age
    dead = GaugeMetricFamily("hookmaker_dead_letters", "Dead letters held, by reason",
                             labels=["reason"])
    for reason, count in data.get("dead_by_reason", {"all": data["states"]["dead"]}).items():
        dead.add_metric([reason], count)
    yield dead
    circuit = GaugeMetricFamily("hookmaker_circuit_state",
                                "1 for each FileMaker server's current circuit state",
                                labels=["server", "state"])
    for c in data["circuits"]:
        for state in ("closed", "open", "half_open", "halted"):
            circuit.add_metric([c["server"], state], 1.0 if c["state"] == state else 0.0)
    yield circuit


def elapsed_since(start: float) -> float:
    return time.perf_counter() - start
