"""Support mail is sent by a job on the notify queue, after the transaction that made it necessary."""

from __future__ import annotations

from rq import Retry

from delivery.queues import enqueue


def enqueue_support_mail(conversation_id: int, kind: str) -> bool:
    """kind: opened, reply:<message id>, survey, overdue:<the deadline, ISO>."""
    return enqueue(
        "notify",
        "feedback.support.mail.send_support_mail",
        conversation_id,
        kind,
        retry=Retry(max=6, interval=[5, 30, 120, 600, 1800, 3600]),
    )
