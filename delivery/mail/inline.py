"""The delivering job's own send: when no other buyer waits for codes, the buyer's mail leaves
right after the delivery commits (a code in the mailbox within a second), through the same claim
and the same send as the drain's, but without a second job.

After a failed send, mail goes through the drain for a minute (a down or slow SMTP server must
never hold deliveries up), and the failed one through its own retry job with backoff.
"""

from __future__ import annotations

import time

from sqlalchemy.orm import Session

from app.core.settings import Settings
from delivery.mail.drain import enqueue_one_order_mail
from delivery.mail.order_mail import send_claimed_order_mail
from delivery.queues import deliveries_waiting
from keystore.keyring import Keyring

PAUSE_SECONDS = 60.0
_paused_until = 0.0  # per worker process: each finds out about a failing server by itself


def mail_now() -> bool:
    """Should the delivery about to run claim its mail for sending inline?"""
    return time.monotonic() >= _paused_until and not deliveries_waiting()


def send_inline(session: Session, settings: Settings, keyring: Keyring, order_id: int, kind: str, number: str) -> None:
    """The mail the delivery recorded as claimed ("sending"); a failure pauses inline sending."""
    global _paused_until
    try:
        send_claimed_order_mail(session, settings, keyring, order_id, kind, number)
    except Exception:
        _paused_until = time.monotonic() + PAUSE_SECONDS
        enqueue_one_order_mail(order_id, kind)
