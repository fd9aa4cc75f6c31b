"""``[redis] wait_replicas``: the accept script and ``WAIT`` go out pipelined, in one round
trip on one connection, and an event too few replicas confirmed is answered 503."""

from __future__ import annotations

import time

import pytest
import redis

from hookmaker.sentinel_testing import wait_replicated
from shared.config import RedisSettings, load
from shared.envelope import Envelope, new_ulid
from shared.errors import ConfigError
from shared.eventstore import ReplicaWait, EventStore, NotReplicated
from shared.keys import Keys
from shared.redisconn import connect

pytestmark = pytest.mark.integration


def envelope(key: str) -> Envelope:
    now = time.time()
    return Envelope(id=new_ulid(now), source="stripe", received_at=now, body=b"{}",
                    headers={}, content_type="application/json", dedupe_key=key,
                    event_type="charge.succeeded")


def store_for(url: str, **settings) -> EventStore:
    redis_settings = RedisSettings(url=url, **settings)
    return EventStore(connect(redis_settings), Keys("hmw"), retention_s=3600,
                      replica_wait=ReplicaWait.configured(redis_settings))


def config_text(tmp_path, redis_lines: str):
    path = tmp_path / "hookmaker.toml"
    path.write_text(f"[redis]\nurl = \"redis://127.0.0.1:1/0\"\n{redis_lines}\n")
    return path


def test_the_settings_parse_and_errors_name_the_key(tmp_path):
    settings = load(config_text(tmp_path, "wait_replicas = 1\nwait_timeout_ms = 150"), {}).redis
    assert (settings.wait_replicas, settings.wait_timeout_ms) == (1, 150)
    assert load(config_text(tmp_path, ""), {}).redis.wait_replicas == 0
    with pytest.raises(ConfigError, match=r"redis\.wait_timeout_ms .*socket_timeout_s"):
        load(config_text(tmp_path, "wait_replicas = 1\nwait_timeout_ms = 1000"), {})
    with pytest.raises(ConfigError, match=r"redis\.wait_replicas"):
        load(config_text(tmp_path, "wait_replicas = -1"), {})


def test_script_and_wait_share_one_connection_and_one_round_trip(sentinel_group):
    group = sentinel_group(replicas=1)
    store = store_for(group.url(), wait_replicas=1, wait_timeout_ms=500)
    primary = group.primary().client()
    primary.script_flush()                     # the first accept also loads the script
    monitor = primary.monitor().__enter__()
    try:
        assert store.accept(envelope("k1"), poke_after_s=1) is None
        first = envelope("k1")
        assert store.accept(first, poke_after_s=1) is not None, "a duplicate"
        seen = []
        while len([c for c in seen if c["command"].startswith("WAIT")]) < 3:
            seen.append(monitor.next_command())
    finally:
        monitor.connection.disconnect()
    commands = [(c["client_address"], c["client_port"], c["command"].split()[0].upper())
                for c in seen if c["client_type"] != "lua"]        # not the script's own
    commands = [c for c in commands if c[2] in ("EVALSHA", "EVAL", "WAIT", "SCRIPT")]
    verbs = [verb for _, _, verb in commands]
    # a failed EVALSHA (NOSCRIPT), its WAIT, SCRIPT LOAD, then EVALSHA+WAIT twice
    assert verbs == ["EVALSHA", "WAIT", "SCRIPT", "EVALSHA", "WAIT", "EVALSHA", "WAIT"]
    pairs = [commands[i:i + 2] for i in (3, 5)]
    for (addr1, port1, _), (addr2, port2, _) in pairs:
        assert (addr1, port1) == (addr2, port2), "WAIT went out on another connection"
    wait_replicated(group.primary())
    replica = next(s for s in group.servers if s.port != group.primary().port).client()
    assert replica.exists(Keys("hmw").event(first.id)) == 0    # the duplicate stored nothing
    assert replica.hget(Keys("hmw").counts, "accepted") == b"1"


def test_too_few_replicas_is_not_replicated_and_the_event_is_still_stored(redis_url,
                                                                           redis_client):
    store = store_for(redis_url, wait_replicas=1, wait_timeout_ms=50)   # no replica at all
    event = envelope("k2")
    started = time.monotonic()
    with pytest.raises(NotReplicated, match="0 of 1 replicas"):
        store.accept(event, poke_after_s=1)
    assert time.monotonic() - started < 0.5
    assert store.get(event.id).state == "received", "stored on the primary all the same"
    with pytest.raises(NotReplicated):         # the sender's retry: still not safe
        store.accept(envelope("k2"), poke_after_s=1)
    with pytest.raises(redis.RedisError):      # NotReplicated is a Redis error (503)
        store.accept(envelope("k2"), poke_after_s=1)


def test_the_ingress_answers_503_with_retry_after_when_replicas_lag(ha_pipeline, redis_url,
                                                                     redis_client):
    p = ha_pipeline(redis_url, redis_extra={"wait_replicas": 1, "wait_timeout_ms": 50})
    p.start_named_ingress("ingress", workers=1)
    answer = p.send("stripe", {"id": "evt_unsafe", "type": "charge.succeeded"})
    assert answer.status_code == 503 and answer.headers["Retry-After"]
    assert answer.json()["type"].endswith("/store-unavailable")
