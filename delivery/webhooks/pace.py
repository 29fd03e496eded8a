"""When an endpoint's job runs: queued after the commit of the transaction that owed it a message
(a session listener reads the endpoints app.core.webhook_outbox noted, so no caller, payments'
included, has to), at most one queued at a time per endpoint for any one time (a hint in Redis: lost, it costs a
sweep's wait, never a message), and again at the time a failed attempt is due."""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta

from redis import RedisError
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.core.db import utcnow
from app.core.webhook_outbox import OWED_ENDPOINTS
from delivery.queues import queue, redis_connection

log = logging.getLogger(__name__)
JOB = "delivery.jobs.send_webhooks"
QUEUED = "keyshop:webhooks-queued:{}"


def schedule_webhooks(endpoint_id: int, at: datetime | None = None) -> bool:
    """Queue the endpoint's job (now, or at `at`) unless one is queued for that time or sooner (a
    message due in six hours does not hold back one due now); False when Redis is unreachable (the
    sweeper queues it later). Two schedulers at once may both queue it: the job is safe to run twice."""
    wait = max((at - utcnow()) if at else timedelta(0), timedelta(0))
    runs_at = time.time() + wait.total_seconds()
    try:
        connection, flag = redis_connection(), QUEUED.format(endpoint_id)
        queued_for = connection.get(flag)
        if queued_for is not None and float(queued_for) <= runs_at:
            return True
        connection.set(flag, runs_at, ex=int(wait.total_seconds()) + 300)
        queue("notify").enqueue_in(wait, JOB, endpoint_id, job_timeout=600, result_ttl=60, failure_ttl=7 * 86400)
    except RedisError as exc:
        log.warning("webhook endpoint %s not scheduled (%s); the sweeper will", endpoint_id, type(exc).__name__)
        return False
    return True


def webhooks_job_started(endpoint_id: int) -> None:
    """Cleared before the job reads, so a message owed after that read queues the next job."""
    try:
        redis_connection().delete(QUEUED.format(endpoint_id))
    except RedisError:
        pass  # the flag expires by itself


def _schedule_owed(session: Session) -> None:
    for endpoint_id in sorted(session.info.pop(OWED_ENDPOINTS, ())):
        try:
            schedule_webhooks(endpoint_id)
        except RuntimeError:  # no application here (a script's own session): the sweeper queues it
            log.warning("webhook endpoint %s not scheduled outside the application", endpoint_id)


def _forget_owed(session: Session, _previous_transaction: object = None) -> None:
    session.info.pop(OWED_ENDPOINTS, None)


def schedule_after_commit() -> None:
    """Installed once by create_app: every session's commit queues the jobs its transaction owed."""
    if not event.contains(Session, "after_commit", _schedule_owed):
        event.listen(Session, "after_commit", _schedule_owed)
        event.listen(Session, "after_rollback", _forget_owed)
