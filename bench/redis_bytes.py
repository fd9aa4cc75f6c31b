"""Bytes per event in Redis, measured: what a waiting event, a delivered event (during the
retention window) and a dead letter cost, for a ~1.5 KB and a ~10 KB signed Stripe event.

    .venv/bin/python bench/redis_bytes.py [--events 1500] [--json]

For each size, on a fresh embedded Redis (AOF on; memory does not depend on the fsync
policy) and the emulator answering instantly:

1. **waiting**: K signed events are stored through the ingress's own Flask app in this
   process (signature check, envelope, the accept script: event hash, dedupe key, due,
   pending and timeline entries, counts, and the Celery wake-up message pushed onto the
   queue list), with no worker running: ``INFO memory`` ``used_memory`` before and after.
2. **delivered**: two workers deliver them all to the emulator and stop; the memory left is
   what a delivered event costs until its retention runs out (hash with the delivery's
   history and fields, 7-day TTL; dedupe key, same TTL; its timeline entry and its entry in
   the expiring set, both removed when the hash expires).
3. **dead letter**: K more events of a type whose route maps a field FileMaker lacks (code
   102, permanent): each ends as a dead letter with its DLQ indexes (dead zset, five facet
   indexes, facet counts) and its searchable text.

Per-key figures come from ``MEMORY USAGE key SAMPLES 0`` (the event hash and dedupe key of
one sample event; the growth of the shared sorted sets, queue list and indexes divided by K).
Baseline: after the Lua scripts are loaded and the workers' fixed keys (FileMaker session
tokens, budget, circuit) are gone, so the deltas are per event only.
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.scaling import Loader, charge, start_workers, stop_workers  # noqa: E402

PREFIX = "hookmaker"


def big_charge(key: str, kind: str = "charge.succeeded") -> dict[str, Any]:
    """About 10 KB: the same charge with 18 invoice lines (a large cart)."""
    event = charge(key)
    event["type"] = kind
    obj = event["data"]["object"]
    obj["invoice_lines"] = [{
        "id": f"il_{key[-10:]}_{i:02d}", "object": "line_item", "amount": 1200 + i,
        "currency": "usd", "description": f"Analytical Engine spare part #{i:02d}, brass, "
                                          "hand-finished",
        "quantity": 1 + i % 3, "price": {"id": f"price_1QxT9a{i:02d}BcDeFgHiJ",
                                         "product": f"prod_QxT9a{i:02d}BcDeFg",
                                         "unit_amount": 1200 + i, "currency": "usd",
                                         "type": "one_time"},
        "tax_amounts": [{"amount": 240, "inclusive": False,
                         "tax_rate": "txr_1QxT9aBcDeFgHiJkLmNoPqRs"}],
        "metadata": {"sku": f"AE-{i:04d}", "warehouse": "LDN-2"}} for i in range(18)]
    return event


def with_type(event: dict[str, Any], kind: str) -> dict[str, Any]:
    event = copy.deepcopy(event)
    event["type"] = kind
    return event


SIZES = {"1.5 KB": charge, "10 KB": big_charge}


def used_memory(client) -> int:
    return int(client.info("memory")["used_memory"])


def usage(client, key: str) -> int:
    return int(client.memory_usage(key, samples=0) or 0)


def shared_totals(client, keys, queue: str) -> dict[str, int]:
    """MEMORY USAGE of the keys every event has an entry in (sorted sets, queue, indexes)."""
    out = {"due zset": usage(client, keys.due), "pending zset": usage(client, keys.pending),
           "timeline zset": usage(client, keys.timeline), "dead zset": usage(client, keys.dead),
           "expiring zset": usage(client, keys.expiring),
           "queue list": usage(client, queue)}
    out["DLQ facet indexes"] = sum(
        usage(client, x) for x in client.scan_iter(match=keys.dlq_index_prefix + "*",
                                                   count=1000))
    out["DLQ facet counts"] = sum(
        usage(client, x) for x in client.scan_iter(match=keys.dlq_facets_prefix + "*",
                                                   count=1000))
    return out


def key_costs(client, keys, before: dict[str, int], after: dict[str, int], k: int,
              sample_id: str, dedupe_key: str) -> dict[str, float]:
    """One sample event's own keys, and the growth of the shared keys divided by K."""
    out: dict[str, float] = {"event hash": usage(client, keys.event(sample_id)),
                             "dedupe key": usage(client, dedupe_key)}
    for name, total in after.items():
        out[f"{name} (per event)"] = round((total - before.get(name, 0)) / k, 1)
    return {name: value for name, value in out.items() if value}


def measure_size(work: Path, redis_url: str, emulator, name: str, make, k: int) -> dict:
    import redis  # noqa: PLC0415

    from hookmaker.testing import Pipeline  # noqa: PLC0415

    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    p = Pipeline(work / name.replace(" ", ""), redis_url=redis_url,
                 filemaker_url=emulator.url, prefix=PREFIX, rate_per_s=100000,
                 max_in_flight=64, max_sessions=8, max_attempts=1)
    loader = Loader(p.config)

    def totals() -> dict[str, int]:
        return shared_totals(client, p.store.keys, p.config.worker.queue)
    try:
        loader.post(json.dumps(make("evt_warmup")).encode())    # loads the Lua scripts
        client.flushdb()
        base = used_memory(client)
        bodies = [json.dumps(make(f"evt_1QxT9a{name[:2]}{i:06d}Hy7W3mH")).encode()
                  for i in range(k)]
        ids = [loader.post(body) for body in bodies]
        waiting = used_memory(client)
        dedupe = client.hget(p.store.keys.event(ids[0]), "dedupe_key").decode()
        result: dict[str, Any] = {
            "size": name, "body_bytes": len(bodies[0]), "events": k,
            "envelope_json_bytes": len(client.hget(p.store.keys.event(ids[0]), "envelope")),
            "waiting_bytes": round((waiting - base) / k),
            "waiting_keys": key_costs(client, p.store.keys, {}, totals(), k, ids[0], dedupe)}

        work_off(p, client, "delivered", k)
        delivered = used_memory(client)
        result["delivered_bytes"] = round((delivered - base) / k)
        after_delivery = totals()
        result["delivered_keys"] = key_costs(client, p.store.keys, {}, after_delivery, k,
                                             ids[0], dedupe)
        result["delivered_ttl_s"] = client.ttl(p.store.keys.event(ids[0]))

        dead_bodies = [json.dumps(with_type(make(f"evt_1QxT9aDL{name[:2]}{i:06d}Hy7W3"),
                                            "broken.mapping")).encode() for i in range(k)]
        dead_ids = [loader.post(body) for body in dead_bodies]
        work_off(p, client, "dead", k)
        dead = used_memory(client)
        dead_dedupe = client.hget(p.store.keys.event(dead_ids[0]), "dedupe_key").decode()
        result["dead_bytes"] = round((dead - delivered) / k)
        result["dead_keys"] = key_costs(client, p.store.keys, after_delivery, totals(), k,
                                        dead_ids[0], dead_dedupe)
        result["dead_ttl_s"] = client.ttl(p.store.keys.event(dead_ids[0]))
        result["counts"] = p.counts()
        return result
    finally:
        loader.close()
        stop_workers(p)
        p.stop_all()
        client.close()


def work_off(p, client, state: str, k: int) -> None:
    """Two workers until ``k`` events are in ``state``; then stop them and drop the keys
    that do not grow with events."""
    from hookmaker.testing import wait_for  # noqa: PLC0415
    start_workers(p, 2)
    wait_for(lambda: p.counts()[state] >= k, timeout_s=600,
             what=lambda: f"{k} {state}: {p.counts()}")
    stop_workers(p)
    _drop_fixed_keys(client, p.store.keys)


def _drop_fixed_keys(client, keys) -> None:
    """Keys that do not grow with events (FileMaker tokens, budget, circuit, locks)."""
    for key in client.scan_iter(match=f"{keys.prefix}:fm:*", count=1000):
        client.delete(key)
    for key in client.scan_iter(match=f"{keys.prefix}:dlq:trim", count=10):
        client.delete(key)
    client.delete("unacked", "unacked_index", "unacked_mutex")   # empty once workers stop


def report(rows: list[dict]) -> str:
    lines = ["| event | body bytes | stored envelope JSON | waiting (received + wake-up) "
             "| delivered (kept 7 days) | dead letter |", "|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['size']} Stripe | {r['body_bytes']:,} | "
                     f"{r['envelope_json_bytes']:,} | {r['waiting_bytes']:,} B | "
                     f"{r['delivered_bytes']:,} B | {r['dead_bytes']:,} B |")
    for r in rows:
        lines.append(f"\n{r['size']}, MEMORY USAGE:")
        for phase in ("waiting", "delivered", "dead"):
            parts = ", ".join(f"{k} {v:,}" for k, v in r[f"{phase}_keys"].items())
            lines.append(f"- {phase}: {parts}")
        lines.append(f"- TTL of a delivered event hash: {r['delivered_ttl_s']} s; "
                     f"of a dead letter: {r['dead_ttl_s']}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1500)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    from emulator.testing import EXAMPLE_SCHEMA, EmulatorProcess  # noqa: PLC0415
    from hookmaker.embedded_redis import EmbeddedRedis  # noqa: PLC0415

    work = Path(tempfile.mkdtemp(prefix="hookmaker-bytes-"))
    started = time.monotonic()
    with EmbeddedRedis(work / "redis", appendfsync="everysec") as server, \
            EmulatorProcess(EXAMPLE_SCHEMA, work / "emulator") as emulator:
        import redis  # noqa: PLC0415
        version = redis.Redis.from_url(server.url).info("server")["redis_version"]
        rows = [measure_size(work, server.url, emulator, name, make, args.events)
                for name, make in SIZES.items()]
    if args.json:
        print(json.dumps({"redis_version": version, "rows": rows}, indent=2))
    else:
        print(report(rows))
        print(f"\nRedis {version}; K = {args.events} events per size; "
              f"{time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
