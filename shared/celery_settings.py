"""Celery, configured in one place for both sides (the ingress only publishes).

Every setting traces to ``../shared/reliability/CELERY_REDIS.md`` section 0; the item numbers
are in the comments. Celery messages carry only an event id: they are wake-ups, the event
store is the truth.
"""

from __future__ import annotations

from typing import Any, Iterable

from celery import Celery

from shared.config import Config

TASK_NAME = "hookmaker.deliver"
TASK_TIME_LIMIT_S = 120                   # hard cap per FileMaker push
VISIBILITY_TIMEOUT_S = 3600               # items 1, 2: longer than any task can wait or run


def celery_settings(config: Config) -> dict[str, Any]:
    """The settings every Hookmaker Celery app uses."""
    return {
        "broker_url": config.redis.url,
        "task_default_queue": config.worker.queue,
        "task_acks_late": True,                                      # item 3
        "task_reject_on_worker_lost": True,                          # item 4 (+ our lost cap)
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
            "visibility_timeout": VISIBILITY_TIMEOUT_S,
            "socket_connect_timeout": 2,                             # item 26
            "socket_timeout": 5,                                     # item 26: no hangs
            "health_check_interval": 25,
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
