"""The buyer's mail for a refund that went through: owed in the mail log first, sent by the drain.

So a refund whose mail could not be enqueued (Redis down at that moment) or whose job died right
after the money moved still mails the buyer: the sweeper owes every such mail that is missing.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from app.core.db import utcnow, write_transaction
from delivery.mail.kinds import MONEY_MOVED
from delivery.mail.log import MailLog, owe_order_mail
from delivery.mail.pace import schedule_drain
from payments.models import Refund

LOOK_BACK = timedelta(days=7)  # older refunds were mailed or are past telling


def owe_refund_mail(session: Session, refund_id: int) -> bool:
    """Record the mail once the refund's money moved, then ask for a drain; False when nothing is owed."""
    with write_transaction(session):
        refund = session.execute(select(Refund.order_id, Refund.status).where(Refund.id == refund_id)).first()
        if refund is None or refund.status not in MONEY_MOVED:
            return False
        owed = owe_order_mail(session, refund.order_id, f"refunded:{refund_id}")
    return bool(owed) and schedule_drain()


def sweep_refund_mail(session: Session, older_than_seconds: int) -> int:
    """Refunds whose money moved and whose mail nobody recorded: owed now (the drain follows)."""
    cutoff, since = utcnow() - timedelta(seconds=older_than_seconds), utcnow() - LOOK_BACK
    key = "order:" + Refund.order_id.cast(MailLog.key.type) + ":refunded:" + Refund.id.cast(MailLog.key.type)
    missing = list(
        session.scalars(
            select(Refund.id)
            .outerjoin(MailLog, and_(MailLog.key == key))
            .where(
                Refund.status.in_(MONEY_MOVED),
                Refund.settled_at <= cutoff,
                Refund.settled_at >= since,
                MailLog.id.is_(None),
            )
        )
    )
    session.rollback()
    return sum(owe_refund_mail(session, refund_id) for refund_id in missing)
