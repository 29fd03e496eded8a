"""When mail goes: two hints in Redis, each of which can be lost without losing a mail (the mail log
holds every mail's state, and the sweeper schedules the drain for whatever a lost hint left owed).

- One drain queued at a time: a busy shop needs one drain job, not a job per mail.
- The delivering jobs' own sending paused for a minute, for every worker at once, when the server
  cannot be reached: a down or slow SMTP server (10 s to time out) never holds up deliveries; their
  mail is owed to the drain meanwhile, which retries each mail after its own wait.
"""

from __future__ import annotations

import logging

from redis import RedisError

from delivery.queues import enqueue, queue, redis_connection

log = logging.getLogger(__name__)
DRAIN_QUEUED = "keyshop:mail-drain-queued"
PAUSED = "keyshop:mail-paused"
PAUSE_SECONDS = 60


def schedule_drain() -> bool:
    """Queue one drain job unless one is queued already; False when Redis is unreachable (the
    sweeper schedules it again). The drain clears the flag before it reads, so mail owed after
    that read finds the flag gone and queues the next drain."""
    try:
        if not redis_connection().set(DRAIN_QUEUED, 1, nx=True, ex=300):
            return True
    except RedisError as exc:
        log.warning("mail drain not scheduled (%s); the sweeper will", type(exc).__name__)
        return False
    return enqueue("notify", "delivery.jobs.send_owed_mail")


def drain_started() -> None:
    try:
        redis_connection().delete(DRAIN_QUEUED)
    except RedisError:
        pass  # the flag expires by itself


def pause_sending() -> None:
    try:
        redis_connection().set(PAUSED, 1, ex=PAUSE_SECONDS)
    except RedisError:
        pass  # without Redis no job runs either


def mail_now() -> bool:
    """Should the delivery about to run send its buyer's mail itself, right after its commit? Not
    while sending is paused, nor while other buyers wait for their codes (one round trip)."""
    try:
        pipe = redis_connection().pipeline(transaction=False)
        waiting, paused = pipe.llen(queue("delivery").key).exists(PAUSED).execute()
    except RedisError:
        return True  # nothing can be enqueued either: whatever can be done now is done now
    return not waiting and not paused
