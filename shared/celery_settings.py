"""Celery, configured in one place for both sides (the ingress only publishes).

Every setting traces to ``../shared/reliability/CELERY_REDIS.md`` section 0; the item numbers
are in the comments. Celery messages carry only an event id: they are wake-ups, the event
store is the truth.
"""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any, Iterable

from celery import Celery

from shared.config import Config
from shared.redisconn import broker

TASK_NAME = "hookmaker.deliver"
TASK_TIME_LIMIT_S = 120                   # hard cap per FileMaker push


def celery_settings(config: Config) -> dict[str, Any]:
    """The settings every Hookmaker Celery app uses."""
    acks_late = not config.worker.broken("early-ack")
    broker_url, sentinel_options = broker(config.redis)
    return {
        "broker_url": broker_url,
        "task_default_queue": config.worker.queue,
        "task_acks_late": acks_late,                                 # item 3
        "task_reject_on_worker_lost": acks_late,                     # item 4 (+ our lost cap)
        "worker_prefetch_multiplier": 1,                             # items 2, 14
        "worker_cancel_long_running_tasks_on_connection_loss": True,  # item 8
        "worker_soft_shutdown_timeout": 30.0,                        # item 6
        "worker_enable_soft_shutdown_on_idle": True,                 # item 6
        "task_time_limit": TASK_TIME_LIMIT_S,
        "task_soft_time_limit": TASK_TIME_LIMIT_S - 20,
        "task_ignore_result": True,                                  # no result backend
        "broker_connection_retry_on_startup": True,                  # item 9
        "broker_connection_max_retries": None,                       # item 9
        "task_publish_retry": True,
        "task_publish_retry_policy": {"max_retries": 2, "interval_start": 0,  # item 26
                                      "interval_step": 0.2, "interval_max": 0.5},
        "broker_transport_options": {
            "visibility_timeout": config.worker.visibility_timeout_s,  # items 1, 2
            "socket_connect_timeout": 2,                             # item 26
            "socket_timeout": 5,                                     # item 26: no hangs
            "health_check_interval": 25,
            **sentinel_options,                                      # Redis Sentinel, if used
        },
        "task_serializer": "json",
        "accept_content": ["json"],
        "worker_hijack_root_logger": False,
        "worker_send_task_events": False,
        "task_send_sent_event": False,
        "worker_disable_rate_limits": True,      # the FileMaker budget lives in Redis
        "worker_enable_remote_control": False,   # no pidbox queues to leak
        "broker_pool_limit": 10,
    }


def make_celery(config: Config, name: str = "hookmaker") -> Celery:
    app = Celery(name, set_as_current=False)
    app.conf.update(celery_settings(config))
    return app


class Wakeups:
    """Publishes wake-ups: a Celery message that carries one event id."""

    def __init__(self, app: Celery, queue: str) -> None:
        self.app = app
        self.queue = queue

    def publish(self, event_id: str, *, countdown_s: float | None = None) -> None:
        """Send one wake-up.

        Raises:
            kombu / redis errors: the broker did not take it (callers treat this as best
                effort: the reconciler catches what is missed).
        """
        self.app.send_task(TASK_NAME, args=[event_id], queue=self.queue,
                           countdown=countdown_s)

    def publish_many(self, event_ids: Iterable[str]) -> int:
        count = 0
        with self.app.producer_or_acquire() as producer:
            for event_id in event_ids:
                self.app.send_task(TASK_NAME, args=[event_id], queue=self.queue,
                                   producer=producer)
                count += 1
        return count


# --- ingress wake-ups: the Celery message built once, pushed by the accept script ----------
# (issue 4) A send_task costs ~750 µs of CPU per message; this costs ~10 µs, and because the
# accept Lua script LPUSHes it in the same atomic step as the store, an event is never stored
# without its wake-up (nor woken without being stored).

_BODY_EMBED = '{"callbacks": null, "errbacks": null, "chain": null, "chord": null}'
_ID, _ARGSREPR, _BODY, _TAG = "@@ID@@", "@@ARGSREPR@@", "@@BODY@@", "@@TAG@@"


class WakeupMessage:
    """The ``hookmaker.deliver(event_id)`` message exactly as ``send_task`` and kombu's Redis
    transport write it (Celery protocol 2): a template made once, filled in per event.

    ``key`` is the Redis list a worker consuming ``queue`` pops from (priority 0, plus the
    transport's ``global_keyprefix`` if one is configured).
    """

    def __init__(self, queue: str, *, task_name: str = TASK_NAME, key_prefix: str = "",
                 origin: str | None = None, reply_to: str | None = None) -> None:
        from celery.utils.nodenames import anon_nodename  # noqa: PLC0415

        self.queue = queue
        self.key = key_prefix + queue
        message = {
            "body": _BODY, "content-encoding": "utf-8", "content-type": "application/json",
            "headers": {
                "lang": "py", "task": task_name, "id": _ID, "shadow": None, "eta": None,
                "expires": None, "group": None, "group_index": None, "retries": 0,
                "timelimit": [None, None], "root_id": _ID, "parent_id": None,
                "argsrepr": _ARGSREPR, "kwargsrepr": "{}",
                "origin": origin or anon_nodename(), "ignore_result": None,
                "replaced_task_nesting": 0, "stamped_headers": None, "stamps": {}},
            "properties": {
                "correlation_id": _ID, "reply_to": reply_to or str(uuid.uuid4()),
                "delivery_mode": 2, "delivery_info": {"exchange": "", "routing_key": queue},
                "priority": 0, "body_encoding": "base64", "delivery_tag": _TAG},
        }
        text = json.dumps(message)
        self._parts: list[str] = []
        self._slots: list[str] = []
        rest = text
        while True:
            found = [(rest.find(s), s) for s in (_ID, _ARGSREPR, _BODY, _TAG) if s in rest]
            if not found:
                self._parts.append(rest)
                break
            at, slot = min(found)
            self._parts.append(rest[:at])
            self._slots.append(slot)
            rest = rest[at + len(slot):]

    @classmethod
    def for_config(cls, config: Config) -> "WakeupMessage":
        options = celery_settings(config)["broker_transport_options"]
        return cls(config.worker.queue, key_prefix=options.get("global_keyprefix", ""))

    def render(self, event_id: str, *, task_id: str | None = None,
               delivery_tag: str | None = None) -> str:
        """The message JSON for one wake-up; a fresh task id and delivery tag by default."""
        arg = json.dumps(event_id)
        body = base64.b64encode(f"[[{arg}], {{}}, {_BODY_EMBED}]".encode()).decode("ascii")
        values = {_ID: task_id or str(uuid.uuid4()),
                  _ARGSREPR: json.dumps(repr([event_id]))[1:-1], _BODY: body,
                  _TAG: delivery_tag or str(uuid.uuid4())}
        out = [self._parts[0]]
        for slot, part in zip(self._slots, self._parts[1:]):
            out.append(values[slot])
            out.append(part)
        return "".join(out)
