"""``hookmaker stats`` and ``hookmaker events show``: what the event store holds."""

from __future__ import annotations

import json
from typing import Any

from admin.format import ts
from shared.config import Config
from shared.eventstore import EventStore
from shared.stats import snapshot
from shared.keys import Keys
from shared.redisconn import connect
from shared.circuit import Circuit


def store_for(config: Config) -> EventStore:
    return EventStore(connect(config.redis), Keys(config.redis.prefix),
                      retention_s=config.worker.retention_s)


def stats(config: Config) -> dict[str, Any]:
    """Counts by state (they add up to ``accepted``), backlog age, queue depth, circuits."""
    return snapshot(store_for(config), config)


def format_stats(data: dict[str, Any]) -> str:
    lines = [f"{'state':<14}{'events':>10}"]
    lines += [f"{state:<14}{count:>10}" for state, count in data["states"].items()]
    lines.append(f"{'= accepted':<14}{data['accepted']:>10}"
                 + ("" if data["adds_up"] else "   (does NOT add up: report this)"))
    lines.append(f"\nduplicates answered at the ingress: {data['duplicates_at_ingress']}")
    age = data["oldest_pending_age_s"]
    lines.append(f"oldest pending event: {'none' if age is None else f'{age:.1f} s old'}")
    lines.append(f"queue depth (wake-ups waiting): {data['queue_depth']}")
    lines.append("\nFileMaker circuits:")
    for c in data["circuits"]:
        why = f"  ({c['reason']})" if c["reason"] else ""
        lines.append(f"  {c['server']:<12} {c['state']:<10} failures {c['failures']}{why}")
    if any(c["state"] == "halted" for c in data["circuits"]):
        lines.append("  a halted server waits for: hookmaker resume SERVER")
    return "\n".join(lines)


def resume(config: Config, server: str) -> dict:
    """Close a server's circuit (after a Halt, once the cause is fixed)."""
    store = store_for(config)
    circuit = Circuit(store.redis, store.keys, server)
    before = circuit.describe()
    circuit.resume()
    return before


def show_event(config: Config, event_id: str) -> dict[str, Any] | None:
    store = store_for(config)
    record = store.get(event_id)
    return None if record is None else store.describe(record)


def format_event(view: dict[str, Any]) -> str:
    """The event as support staff read it: times in UTC, then history, then the body."""
    head = [f"event     {view['id']}", f"source    {view['source']}",
            f"received  {ts(view['received_at'], ms=True)} UTC",
            f"type      {view['event_type'] or '-'}", f"state     {view['state']}",
            f"route     {view['route'] or '-'}", f"record    {view['record_id'] or '-'}",
            f"dedupe    {view['dedupe_key'] or '-'}", f"attempts  {view['attempts']}"]
    history = ["", "history:"] + [
        f"  {ts(a['at'], ms=True)}  {a['outcome']:<12} "
        f"{('FM ' + a['code']) if a.get('code') else '':<8} {a['message']}"
        for a in view["history"]] if view["history"] else ["", "history: none"]
    try:
        body = json.dumps(json.loads(view["body"]), indent=2)
    except ValueError:
        body = view["body"]
    return "\n".join(head + history + ["", "body:", body])
