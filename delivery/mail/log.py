"""The mail log: one row per mail, keyed by what it is about, and the one state machine of a mail.

    pending (owed) -> sending (claimed by one sender) -> sent | failed
    failed -> sending (a retry, or staff's "Send again")
    sending -> pending (a drain gave way, or the sender died mid-send)

Every move is a conditional update checked for its row count, so two senders never hold one mail.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.core.db import insert_unless_present, utcnow, write_transaction
from app.core.extensions import db
from app.core.models import Order

MAIL_STATUSES = ("pending", "sending", "sent", "failed")


class MailLog(db.Model):
    __tablename__ = "mail_log"
    # The drain reads the owed mail, oldest first, out of a log that keeps every mail ever sent.
    __table_args__ = (Index("ix_mail_log_status_id", "status", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)  # order:12:delivered, low-stock:3:2
    kind: Mapped[str] = mapped_column(String(32))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="sending")
    attempts: Mapped[int] = mapped_column(default=1)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When the current attempt began: an attempt still "sending" long after it is one whose sender
    # died (delivery.mail.drain.recover_stalled_mail).
    claimed_at: Mapped[datetime | None] = mapped_column(default=utcnow, index=True)
    sent_at: Mapped[datetime | None] = mapped_column()


# State changes go through the table, not the ORM: the ORM's bulk UPDATE machinery cost more than
# the statement itself, on a path every order takes.
MAIL_LOG = MailLog.__table__


def order_mail_key(order_id: int, kind: str) -> str:
    return f"order:{order_id}:{kind}"


def order_mailed(session: Session, order_id: int) -> bool:
    """Whether a mail about this order has gone out (the order page never claims one that did not)."""
    sent = select(MAIL_LOG.c.id).where(MAIL_LOG.c.order_id == order_id, MAIL_LOG.c.status == "sent").limit(1)
    return session.scalar(sent) is not None


def owe_order_mail(session: Session, order_id: int, kind: str, claimed: bool = False) -> str:
    """Inside the caller's transaction: this order owes its buyer this mail (once per order and
    kind). `claimed`: the caller sends it itself right after its commit. Returns what was recorded:
    "owed", "claimed", or "" when the mail was recorded before."""
    now = utcnow()
    recorded = insert_unless_present(
        session,
        MailLog,
        key=order_mail_key(order_id, kind),
        kind=kind,
        order_id=order_id,
        last_error="",
        created_at=now,
        status="sending" if claimed else "pending",
        attempts=int(claimed),
        claimed_at=now if claimed else None,
    )
    return ("claimed" if claimed else "owed") if recorded else ""


def claim(session: Session, key: str, kind: str, order_id: int | None) -> bool:
    """Owed and failed mail is taken over by a conditional update; mail nobody recorded yet is
    inserted as being sent. False: it is sent, or another sender holds it."""
    try:
        with write_transaction(session):
            taken = session.execute(
                update(MAIL_LOG)
                .where(MAIL_LOG.c.key == key, MAIL_LOG.c.status.in_(("pending", "failed")))
                .values(**_taken_for_sending())
            ).rowcount
            if taken != 1:
                session.add(MailLog(key=key, kind=kind, order_id=order_id))
        return True
    except IntegrityError:  # there is a record: sent, or another sender's
        return False


def claim_owed(session: Session, batch: int) -> list[tuple[str, int, str, str]]:
    """Up to `batch` owed mails, oldest first, claimed in one conditional update: one that another
    drain or an inline send claimed meanwhile is no longer pending and is not taken twice.
    (key, order id, kind, order number) of each."""
    oldest = select(MAIL_LOG.c.key).where(MAIL_LOG.c.status == "pending").order_by(MAIL_LOG.c.id).limit(batch)
    with write_transaction(session):
        claimed = session.execute(
            update(MAIL_LOG)
            .where(MAIL_LOG.c.key.in_(oldest.scalar_subquery()), MAIL_LOG.c.status == "pending")
            .values(**_taken_for_sending())
            .returning(MAIL_LOG.c.id, MAIL_LOG.c.key, MAIL_LOG.c.order_id, MAIL_LOG.c.kind)
        ).all()
        numbers = dict(
            session.execute(select(Order.id, Order.number).where(Order.id.in_({row.order_id for row in claimed}))).all()
        )
    return [(row.key, row.order_id, row.kind, numbers[row.order_id]) for row in sorted(claimed)]


def owe_again(session: Session, keys: list[str]) -> None:
    """Claimed mail handed back unsent (a drain gave way to deliveries): owed again, the attempt uncounted."""
    if keys:
        with write_transaction(session):
            session.execute(
                update(MAIL_LOG)
                .where(MAIL_LOG.c.key.in_(keys), MAIL_LOG.c.status == "sending")
                .values(status="pending", attempts=MAIL_LOG.c.attempts - 1)
            )


def owe_failed_again(session: Session, mail_id: int) -> bool:
    """Staff's "Send again": a failed order mail owed again, for the drain. False: not failed any more."""
    with write_transaction(session, one_statement=True):
        return (
            session.execute(
                update(MAIL_LOG)
                .where(MAIL_LOG.c.id == mail_id, MAIL_LOG.c.status == "failed", MAIL_LOG.c.key.startswith("order:"))
                .values(status="pending")
            ).rowcount
            == 1
        )


def take_back_stalled(session: Session, claimed_before: datetime) -> int:
    """Attempts still "sending" since before `claimed_before`: their sender died mid-send. An
    order's mail is owed again, for the drain; other mail, which only its own job composes, is
    failed, where staff see it. (The rare cost: a mail that left just before the crash goes twice.)"""
    stalled = (MAIL_LOG.c.status == "sending") & (MAIL_LOG.c.claimed_at <= claimed_before)
    with write_transaction(session):
        owed = session.execute(
            update(MAIL_LOG)
            .where(stalled, MAIL_LOG.c.key.startswith("order:"))
            .values(status="pending", last_error="the sender stopped before it finished; owed again")
        ).rowcount
        failed = session.execute(
            update(MAIL_LOG).where(stalled).values(status="failed", last_error="the sender stopped before it finished")
        ).rowcount
    return owed + failed


def finish(session: Session, key: str, status: str, error: str = "") -> None:
    """sending -> sent | failed, with the error staff see."""
    with write_transaction(session, one_statement=True):
        session.execute(
            update(MAIL_LOG)
            .where(MAIL_LOG.c.key == key, MAIL_LOG.c.status == "sending")
            .values(status=status, last_error=error[:500], sent_at=utcnow() if status == "sent" else None)
        )


def _taken_for_sending() -> dict:
    """The values of a row an attempt takes over (from pending or failed)."""
    return {"status": "sending", "attempts": MAIL_LOG.c.attempts + 1, "claimed_at": utcnow()}
