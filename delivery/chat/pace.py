"""When a channel's job runs: one queued at a time per channel (a hint in Redis, which can be lost
without losing a message: the sweeper queues it again for whatever is owed), a couple of seconds
after the first event so that a burst told in a row goes as one message, and at most one message
per channel per window (taken by a conditional update on the channel, see send.take_window)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from redis import RedisError

from app.core.db import utcnow
from delivery.queues import queue, redis_connection

log = logging.getLogger(__name__)
WINDOW = timedelta(seconds=60)
GATHER = timedelta(seconds=2)
JOB = "delivery.jobs.send_chat"
QUEUED = "keyshop:chat-queued:{}"


def schedule_chat(channel_id: int, at: datetime | None = None) -> bool:
    """Queue the channel's job for `at` (default: after the gathering pause) unless one is queued;
    False when Redis is unreachable (the sweeper queues it later)."""
    wait = max((at - utcnow()) if at else GATHER, timedelta(0))
    try:
        if not redis_connection().set(QUEUED.format(channel_id), 1, nx=True, ex=int(wait.total_seconds()) + 300):
            return True
        queue("notify").enqueue_in(wait, JOB, channel_id, job_timeout=120, result_ttl=60, failure_ttl=7 * 86400)
    except RedisError as exc:
        log.warning("chat channel %s not scheduled (%s); the sweeper will", channel_id, type(exc).__name__)
        return False
    return True


def chat_job_started(channel_id: int) -> None:
    """Cleared before the job reads, so an event owed after that read queues the next job."""
    try:
        redis_connection().delete(QUEUED.format(channel_id))
    except RedisError:
        pass  # the flag expires by itself
