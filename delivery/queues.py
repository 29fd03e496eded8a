"""Enqueueing jobs by id, only after the transaction that made them necessary has committed.

Redis being down never fails the caller: the database already holds the truth, and the sweeper
enqueues whatever was missed.
"""

from __future__ import annotations

import logging
from datetime import datetime

from flask import current_app
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Retry
from rq.job import Job
from rq.utils import str_to_date

log = logging.getLogger(__name__)
# In the order a worker takes them: after-sale first, so a replacement or a refund never waits behind
# a rush of deliveries (it is one job in a hundred); imports last, being long and never urgent.
QUEUES = ("aftersale", "delivery", "notify", "imports")


def redis_connection() -> Redis:
    return current_app.extensions["keyshop.redis"]


def queue(name: str) -> Queue:
    return Queue(name, connection=redis_connection())


def enqueue(queue_name: str, function: str, *args, retry: Retry | None = None) -> bool:
    """Enqueue `function` (a dotted path) with plain arguments; False when Redis is unreachable."""
    try:
        queue(queue_name).enqueue(function, *args, job_timeout=120, result_ttl=60, failure_ttl=7 * 86400, retry=retry)
        return True
    except RedisError as exc:
        log.warning("could not enqueue %s%r on %s (%s); the sweeper will retry", function, args, queue_name, exc)
        return False


def enqueue_fulfilment(order_ids) -> int:
    return sum(enqueue("delivery", "delivery.jobs.fulfil_order", order_id) for order_id in order_ids)


# A seller's URL that did not answer (or answered 5xx) is asked again after these waits; then the
# order waits for stock and staff are told. The paid order is the job's row: the sweeper finds it
# (through fulfil_order) when the job is lost. The job's lease in Redis outlives its retries (about
# 80 s of waits, 4 tries of at most 8 s), so the sweeper does not add a second job meanwhile.
SELLER_RETRY = Retry(max=3, interval=[2, 15, 60])
SELLER_LEASE_SECONDS = 5 * 60


def enqueue_seller_request(order_id: int) -> bool:
    """False when a job for the order is already on its way (or Redis is down: the sweeper retries)."""
    lease = f"keyshop:seller-job:{order_id}"
    try:
        if not redis_connection().set(lease, 1, nx=True, ex=SELLER_LEASE_SECONDS):
            return False
    except RedisError as exc:
        log.warning("could not enqueue the seller's request for order %s (%s); the sweeper will retry", order_id, exc)
        return False
    if enqueue("delivery", "delivery.jobs.deliver_from_seller", order_id, retry=SELLER_RETRY):
        return True
    _drop_lease(lease)
    return False


def _drop_lease(key: str) -> None:
    try:
        redis_connection().delete(key)
    except RedisError:
        pass  # Redis is gone: the lease went, or goes, with it


def deliveries_waiting() -> bool:
    try:
        return bool(redis_connection().llen(queue("delivery").key))
    except RedisError:
        return False  # nothing can be enqueued either: whatever can be done now is done now


def head_enqueued_at(queue_name: str) -> datetime | None:
    """When the job at the head of the queue was enqueued (naive UTC): workers take jobs in order,
    so every job enqueued before it has been taken. None: the queue is empty, or Redis cannot say."""
    try:
        connection = redis_connection()
        head = connection.lindex(queue(queue_name).key, 0)
        enqueued_at = connection.hget(Job.key_for(_text(head)), "enqueued_at") if head else None
    except RedisError:
        return None
    return str_to_date(enqueued_at).replace(tzinfo=None) if enqueued_at else None


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


REFUND_RETRY = Retry(max=5, interval=[10, 60, 300, 900, 3600])
# A refund's job holds a lease in Redis for longer than its whole retry schedule takes (about 80
# minutes of waits and runs). While it lives the sweeper leaves the refund to its job, however slow;
# it vanishes with the queue when Redis is lost or restarted empty, and then the sweeper sends again.
REFUND_LEASE_SECONDS = 2 * 3600


def enqueue_refund(refund_id: int) -> bool:
    """An unreachable provider is retried with the refund's own key; when Redis is down the refund
    stays `requested` and the sweeper (sweep_refunds) enqueues it once Redis is back."""
    try:
        redis_connection().set(_lease(refund_id), 1, ex=REFUND_LEASE_SECONDS)
    except RedisError as exc:
        log.warning("could not enqueue refund %s (%s); the sweeper will retry", refund_id, exc)
        return False
    return _send_refund(refund_id)


def renew_refund_lease(refund_id: int) -> None:
    """Each run of a refund's job renews its lease: its retries wait up to an hour between runs."""
    try:
        redis_connection().set(_lease(refund_id), 1, ex=REFUND_LEASE_SECONDS)
    except RedisError:
        pass  # the job runs, so Redis was there a moment ago; the worst case is one idempotent resend


def sweep_refunds(session, older_than_seconds: int) -> int:
    """Enqueue the requested refunds older than `older_than_seconds` whose job is gone; how many."""
    from payments.outstanding import requested_refunds

    refund_ids = requested_refunds(session, older_than_seconds)
    session.rollback()  # end the read before the enqueues
    return sum(_send_refund(refund_id) for refund_id in _without_live_job(refund_ids))


def _send_refund(refund_id: int) -> bool:
    """With its lease taken; a failed enqueue gives the lease back so the next sweep tries again."""
    if enqueue("aftersale", "delivery.jobs.refund_payment", refund_id, retry=REFUND_RETRY):
        return True
    _drop_lease(_lease(refund_id))
    return False


def _without_live_job(refund_ids: list[int]) -> list[int]:
    """Takes the lease of each refund that has none (SET NX): a second sweep finds it taken."""
    if not refund_ids:
        return []
    try:
        pipe = redis_connection().pipeline(transaction=False)
        for refund_id in refund_ids:
            pipe.set(_lease(refund_id), 1, nx=True, ex=REFUND_LEASE_SECONDS)
        return [refund_id for refund_id, fresh in zip(refund_ids, pipe.execute()) if fresh]
    except RedisError as exc:
        log.warning("refund sweep: Redis unreachable (%s); next sweep", exc)
        return []


def _lease(refund_id: int) -> str:
    return f"keyshop:refund-job:{refund_id}"


# The provider unreachable: tried again after these waits, with the same idempotency key; then the
# dispute is failed for staff, who submit again before its due date.
DISPUTE_RETRY = Retry(max=4, interval=[10, 60, 300, 900])


def enqueue_dispute_evidence(dispute_id: int) -> bool:
    """Safe to call twice: one run at a time calls the provider (payments.dispute_submission)."""
    return enqueue("aftersale", "delivery.jobs.submit_dispute_evidence", dispute_id, retry=DISPUTE_RETRY)
