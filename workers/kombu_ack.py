"""A kombu 5.7.0 Redis transport fix: a failed ack must not leak the prefetch slot.

``kombu.transport.redis.QoS.ack`` (and ``reject``) first removes the message from the
``unacked`` hash in Redis, then frees its prefetch slot in memory. When Redis is gone at
that moment (a restart while tasks run), the first step raises, Celery logs "Couldn't ack"
and carries on, and the slot is never freed. With ``acks_late`` and prefetch = concurrency,
once ``concurrency`` acks have failed ``can_consume()`` stays false: the worker polls
forever and never takes another message (found by tests/faults, Redis restart scenario).

Here the slot is freed whatever happens in Redis. The message left in ``unacked`` comes back
after the visibility timeout as one spare wake-up, which the claim turns away.
"""

from __future__ import annotations

from kombu.transport import redis as kombu_redis
from kombu.transport import virtual


def _ack(self, delivery_tag) -> None:
    try:
        self._remove_from_indices(delivery_tag).execute()
    finally:
        virtual.QoS.ack(self, delivery_tag)


def _reject(self, delivery_tag, requeue: bool = False) -> None:
    try:
        if requeue:
            self.restore_by_tag(delivery_tag, leftmost=True)
        else:
            self._remove_from_indices(delivery_tag).execute()
    finally:
        virtual.QoS.ack(self, delivery_tag)


def install() -> None:
    """Patch the Redis transport's QoS (idempotent)."""
    kombu_redis.QoS.ack = _ack
    kombu_redis.QoS.reject = _reject
