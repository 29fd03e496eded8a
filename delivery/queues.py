"""Enqueueing jobs by id, only after the transaction that made them necessary has committed.

Redis being down never fails the caller: the database already holds the truth, and the sweeper
enqueues whatever was missed.
"""
from __future__ import annotations

import logging

from flask import current_app
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Retry

log = logging.getLogger(__name__)
QUEUES = ("delivery", "notify", "aftersale", "imports")


def redis_connection() -> Redis:
    return current_app.extensions["keyshop.redis"]


def queue(name: str) -> Queue:
    return Queue(name, connection=redis_connection())


def enqueue(queue_name: str, function: str, *args, retry: Retry | None = None) -> bool:
    """Enqueue `function` (a dotted path) with plain arguments; False when Redis is unreachable."""
    try:
        queue(queue_name).enqueue(function, *args, job_timeout=120, result_ttl=60, failure_ttl=7 * 86400,
                                  retry=retry)
        return True
    except RedisError as exc:
        log.warning("could not enqueue %s%r on %s (%s); the sweeper will retry", function, args, queue_name, exc)
        return False


def enqueue_fulfilment(order_ids) -> int:
    return sum(enqueue("delivery", "delivery.jobs.fulfil_order", order_id) for order_id in order_ids)


def deliveries_waiting() -> bool:
    try:
        return bool(redis_connection().llen(queue("delivery").key))
    except RedisError:
        return False  # nothing can be enqueued either: whatever can be done now is done now


def enqueue_mail(order_id: int, kind: str) -> bool:
    # Temporary SMTP trouble is retried with backoff; the mail log keeps a retry from sending twice.
    return enqueue("notify", "delivery.jobs.send_order_mail", order_id, kind,
                   retry=Retry(max=6, interval=[5, 30, 120, 600, 1800, 3600]))


REFUND_RETRY = Retry(max=5, interval=[10, 60, 300, 900, 3600])


def enqueue_refund(refund_id: int) -> bool:
    # An unreachable provider is retried with the refund's own key; the sweeper re-enqueues if Redis was down.
    return enqueue("aftersale", "delivery.jobs.refund_payment", refund_id, retry=REFUND_RETRY)
