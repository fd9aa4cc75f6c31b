"""The wake-up message is exactly Celery's, and a real worker consumes it; Redis down, slow
or full gives a bounded 503 with Retry-After, never a 2xx for anything not stored."""

from __future__ import annotations

import json
import threading
import time
import uuid

import pytest
import redis
from ingress_helpers import PREFIX, SECRETS, make_config

from hookmaker.embedded_redis import EmbeddedRedis
from ingress.app import create_app
from shared.celery_settings import TASK_NAME, WakeupMessage, make_celery

pytestmark = pytest.mark.integration

BEARER = {"Authorization": f"Bearer {SECRETS['bearer']}"}
BOUND_S = 2.5     # connect 0.5 s + socket 0.5 s (+ one reconnect), with room for a busy box


def _send(http, body: bytes | None = None):
    return http.post("/hooks/bearer", data=body or json.dumps({"id": uuid.uuid4().hex}).encode(),
                     content_type="application/json", headers=BEARER)


def test_message_is_byte_identical_to_send_task(config, redis_client):
    app = make_celery(config, name="capture")
    app.send_task(TASK_NAME, args=["01KAB3XYZ0123456789ABCDEFG"], queue=config.worker.queue)
    raw = redis_client.lpop(config.worker.queue).decode()
    sent = json.loads(raw)
    ours = WakeupMessage(config.worker.queue, origin=sent["headers"]["origin"],
                         reply_to=sent["properties"]["reply_to"]).render(
        "01KAB3XYZ0123456789ABCDEFG", task_id=sent["headers"]["id"],
        delivery_tag=sent["properties"]["delivery_tag"])
    assert ours == raw
    assert WakeupMessage.for_config(config).key == config.worker.queue


def test_each_message_has_its_own_task_id_and_delivery_tag(config):
    template = WakeupMessage.for_config(config)
    first, second = (json.loads(template.render("E1")) for _ in range(2))
    assert first["headers"]["id"] != second["headers"]["id"]
    assert first["properties"]["delivery_tag"] != second["properties"]["delivery_tag"]


def test_stored_event_and_its_wake_up_are_one_step(client, redis_client, config):
    event_id = _send(client).get_json()["id"]
    queued = [json.loads(m) for m in redis_client.lrange(config.worker.queue, 0, -1)]
    assert len(queued) == 1 and queued[0]["headers"]["argsrepr"] == repr([event_id])


def test_a_real_worker_consumes_the_wake_up_without_the_reconciler(pipeline, emulator):
    p = pipeline(reconcile_grace_s=3600)        # the reconciler would wait an hour
    p.start_ingress()
    p.start_worker(reconcile=False)
    answer = p.send("stripe", {"id": "evt_wake_1", "type": "charge.succeeded"})
    assert answer.status_code == 202
    p.wait_settled(30)
    assert p.store.get(answer.json()["id"]).state == "delivered"
    assert p.redis.llen(p.config.worker.queue) == 0


@pytest.fixture
def own_redis(tmp_path):
    server = EmbeddedRedis(tmp_path / "own-redis").start()
    yield server
    server.stop()


@pytest.fixture
def outage_app(own_redis, tmp_path):
    app = create_app(make_config(own_redis.url, tmp_path / "outage"))
    yield app
    app.extensions["hookmaker"].redis.close()


def _unavailable(answer) -> None:
    assert answer.status_code == 503, answer.get_data(as_text=True)
    assert answer.content_type == "application/problem+json"
    assert answer.get_json()["type"].endswith("/store-unavailable")
    assert int(answer.headers["Retry-After"]) >= 1


def test_redis_stopped_mid_run_503s_then_recovers(own_redis, outage_app):
    http = outage_app.test_client()
    acknowledged = [_send(http).get_json()["id"] for _ in range(5)]
    own_redis.kill()
    for _ in range(3):
        started = time.monotonic()
        _unavailable(_send(http))
        assert time.monotonic() - started < BOUND_S
    _unavailable(http.get("/readyz"))
    own_redis.restart()
    acknowledged.append(_send(http).get_json()["id"])
    check = redis.Redis.from_url(own_redis.url)
    assert all(check.exists(f"{PREFIX}:ev:{i}") for i in acknowledged), "2xx means durable"
    check.close()


def test_slow_redis_is_a_bounded_503(own_redis, outage_app):
    http = outage_app.test_client()
    assert _send(http).status_code == 202
    blocker = redis.Redis.from_url(own_redis.url)
    sleeper = threading.Thread(target=blocker.execute_command, args=("DEBUG", "SLEEP", "2"))
    sleeper.start()
    time.sleep(0.1)
    started = time.monotonic()
    body = json.dumps({"id": "slow-1"}).encode()
    _unavailable(_send(http, body))
    assert time.monotonic() - started < BOUND_S
    sleeper.join()
    # The write may still have happened after the timeout (an ambiguous 503): the sender's
    # retry then finds it and is told its id, never stored twice.
    retry = _send(http, body)
    assert retry.status_code in (200, 202)
    assert blocker.hget(f"{PREFIX}:counts", "accepted") == b"2"
    blocker.close()


def test_full_redis_is_503_and_writes_nothing(own_redis, outage_app):
    http = outage_app.test_client()
    check = redis.Redis.from_url(own_redis.url)
    before = sorted(check.keys("*"))
    check.config_set("maxmemory", "1")
    try:
        _unavailable(_send(http))
        assert sorted(check.keys("*")) == before
    finally:
        check.config_set("maxmemory", "0")
    assert _send(http).status_code == 202
    check.close()
