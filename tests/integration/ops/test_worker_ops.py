"""A worker's /metrics port and its liveness check, on real processes."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import pytest
import requests

from hookmaker.processes import free_port, spawn, stop, wait_until
from hookmaker.testing import wait_for
from shared.celery_settings import Wakeups, make_celery
from shared.envelope import Envelope, new_ulid

pytestmark = pytest.mark.integration


def _hookmaker(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "hookmaker", *args], capture_output=True,
                          text=True, timeout=30)


def _store_and_wake(p, n: int, kind: str = "x") -> list[str]:
    wakeups = Wakeups(make_celery(p.config), p.config.worker.queue)
    ids = []
    for i in range(n):
        env = Envelope(id=new_ulid(), source="stripe", received_at=time.time(),
                       body=json.dumps({"id": f"evt_{kind}_{i}", "type": kind}).encode(),
                       headers={}, dedupe_key=f"evt_{kind}_{i}", event_type=kind)
        p.store.accept(env, poke_after_s=1)
        wakeups.publish(env.id)
        ids.append(env.id)
    return ids


def test_worker_metrics_sum_every_pool_child(pipeline, tmp_path):
    p = pipeline()
    port = free_port()
    log = tmp_path / "worker.log"
    proc = spawn([sys.executable, "-m", "hookmaker", "--config", str(p.config_path), "worker",
                  "-c", "2", "--metrics-bind", f"127.0.0.1:{port}",
                  "--heartbeat-file", str(tmp_path / "hb")], log=log)
    try:
        wait_until(lambda: "ready." in log.read_text(), timeout_s=30, what="worker", proc=proc,
                   log=log)
        _store_and_wake(p, 6)
        _store_and_wake(p, 1, kind="broken.x")
        p.wait_settled(30)
        text = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
        assert 'hookmaker_events_total{outcome="delivered"} 6.0' in text
        assert 'hookmaker_events_total{outcome="dead"} 1.0' in text
        assert 'hookmaker_events_in_state{state="delivered"} 6.0' in text
        assert 'hookmaker_circuit_state{server="main",state="closed"} 1.0' in text
        assert 'hookmaker_filemaker_request_seconds_count{code="0",database="Hookmaker"}' in text
    finally:
        stop(proc)


def test_worker_health_follows_the_consumer(pipeline, tmp_path):
    p = pipeline()
    heartbeat = tmp_path / "hb"
    assert _hookmaker("worker-health", "--heartbeat-file", str(heartbeat)).returncode == 1
    log = tmp_path / "worker.log"
    proc = spawn([sys.executable, "-m", "hookmaker", "--config", str(p.config_path), "worker",
                  "-c", "1", "--heartbeat-file", str(heartbeat)], log=log)
    try:
        wait_until(heartbeat.exists, timeout_s=30, what="heartbeat", proc=proc, log=log)
        healthy = _hookmaker("worker-health", "--heartbeat-file", str(heartbeat))
        assert healthy.returncode == 0, healthy.stderr
        proc.send_signal(signal.SIGSTOP)          # a stuck consumer stops beating
        try:
            time.sleep(2.5)
            stale = _hookmaker("worker-health", "--heartbeat-file", str(heartbeat),
                               "--max-age", "2")
            assert stale.returncode == 1 and "old" in stale.stderr
        finally:
            proc.send_signal(signal.SIGCONT)
        wait_for(lambda: _hookmaker("worker-health", "--heartbeat-file", str(heartbeat),
                                    "--max-age", "2").returncode == 0, timeout_s=15,
                 what="heartbeat after SIGCONT")
    finally:
        stop(proc)
    assert not heartbeat.exists(), "a stopped worker removes its heartbeat"


def test_ingress_metrics_count_answers_with_bounded_labels(pipeline):
    p = pipeline()
    p.start_ingress(workers=2)
    for i in range(4):
        assert p.send("stripe", {"id": f"evt_im{i}", "type": "x"}).status_code == 202
    assert p.send("stripe", {"id": "evt_bad"}, secret="whsec_wrong").status_code == 401
    assert requests.post(p.ingress_url + "/hooks/no-such-source-" + "x" * 50, data=b"{}",
                         headers={"Content-Type": "application/json"}).status_code == 404
    wait_for(lambda: 'hookmaker_ingress_requests_total{source="stripe",status="202"} 4.0'
             in requests.get(p.ingress_url + "/metrics", timeout=5).text, timeout_s=10,
             what="four 202s summed over both gunicorn workers")
    text = requests.get(p.ingress_url + "/metrics", timeout=5).text
    assert 'hookmaker_ingress_rejections_total{reason="signature-mismatch",source="stripe"} 1.0' \
        in text
    assert 'source="unknown"' in text and "no-such-source" not in text
    assert "hookmaker_ingress_ack_seconds_count 4.0" in text
    assert 'hookmaker_events_in_state{state="received"} 4.0' in text
