"""The mail log: one row per mail, keyed by what it is about, and the one state machine of a mail.

    pending (owed) -> sending (claimed by the drain, or by the delivering job) -> sent | failed
    sending -> pending (a drain gave way; the sender died mid-send; a passing failure, due later)
    failed -> pending (staff's "Send again")

Every mail is owed here, in the transaction that makes it necessary, and only the drain sends it
(delivery.mail.drain). Every move is a conditional update checked for its row count, so two
senders never hold one mail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, Index, String, Text, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.core.db import insert_unless_present, utcnow, write_transaction
from app.core.extensions import db
from app.core.models import Order

MAIL_STATUSES = ("pending", "sending", "sent", "failed")
# A mail that keeps failing for a passing reason is tried again after these many seconds (about an
# hour and a half in all), then failed, where staff see it.
RETRY_AFTER_SECONDS = (5, 30, 120, 600, 1800, 3600)


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
    due_at: Mapped[datetime | None] = mapped_column()  # owed again from then on, after a passing failure
    # What the mail needs that the database does not keep (a list of breaches, an address), as JSON.
    payload: Mapped[str] = mapped_column(Text, default="", server_default="")


# State changes go through the table, not the ORM: the ORM's bulk UPDATE machinery cost more than
# the statement itself, on a path every order takes.
MAIL_LOG = MailLog.__table__


@dataclass(frozen=True)
class OwedMail:
    """A row claimed for sending: what composing it needs (the key names what it is about)."""

    key: str
    kind: str
    order_id: int | None = None
    payload: str = ""
    number: str | None = None  # the order's number, for the log lines of an order's mail

    @property
    def about(self) -> str:
        """The key after its first part: "12:delivered" of "order:12:delivered"."""
        return self.key.split(":", 1)[1]


def order_mail_key(order_id: int, kind: str) -> str:
    return f"order:{order_id}:{kind}"


def order_mailed(session: Session, order_id: int) -> bool:
    """Whether a mail about this order has gone out (the order page never claims one that did not)."""
    sent = select(MAIL_LOG.c.id).where(MAIL_LOG.c.order_id == order_id, MAIL_LOG.c.status == "sent").limit(1)
    return session.scalar(sent) is not None


def owe_order_mail(session: Session, order_id: int, kind: str, claimed: bool = False) -> str:
    """This order owes its buyer this mail, once per order and kind; see owe."""
    return owe(session, order_mail_key(order_id, kind), kind, order_id=order_id, claimed=claimed)


def owe(
    session: Session, key: str, kind: str, order_id: int | None = None, payload: str = "", claimed: bool = False
) -> str:
    """Inside the caller's transaction: this mail is owed, once per key. `claimed`: the caller sends
    it right after its commit (delivery.mail.drain.send_owed), which spares it a transaction.
    Returns what was recorded: "owed", "claimed", or "" when the mail was recorded before."""
    now = utcnow()
    recorded = insert_unless_present(
        session,
        MailLog,
        key=key,
        kind=kind,
        order_id=order_id,
        payload=payload,
        last_error="",
        created_at=now,
        status="sending" if claimed else "pending",
        attempts=int(claimed),
        claimed_at=now if claimed else None,
    )
    return ("claimed" if claimed else "owed") if recorded else ""


def claim_owed(session: Session, batch: int) -> list[OwedMail]:
    """Up to `batch` owed mails that are due, oldest first, claimed in one conditional update: one
    another drain claimed meanwhile is no longer pending and is not taken twice."""
    due = (MAIL_LOG.c.status == "pending") & (MAIL_LOG.c.due_at.is_(None) | (MAIL_LOG.c.due_at <= utcnow()))
    oldest = select(MAIL_LOG.c.id).where(due).order_by(MAIL_LOG.c.id).limit(batch)
    with write_transaction(session):
        claimed = session.execute(
            update(MAIL_LOG)
            .where(MAIL_LOG.c.id.in_(oldest.scalar_subquery()), MAIL_LOG.c.status == "pending")
            .values(**_taken_for_sending())
            .returning(MAIL_LOG.c.id, MAIL_LOG.c.key, MAIL_LOG.c.kind, MAIL_LOG.c.order_id, MAIL_LOG.c.payload)
        ).all()
        numbers = _order_numbers(session, {row.order_id for row in claimed if row.order_id is not None})
    return [
        OwedMail(row.key, row.kind, row.order_id, row.payload, numbers.get(row.order_id)) for row in sorted(claimed)
    ]


def _order_numbers(session: Session, order_ids: set[int]) -> dict[int, str]:
    if not order_ids:
        return {}
    return dict(session.execute(select(Order.id, Order.number).where(Order.id.in_(order_ids))).all())


def owe_again(session: Session, keys: list[str]) -> None:
    """Claimed mail handed back unsent (a drain gave way): owed again, the attempt uncounted."""
    if keys:
        with write_transaction(session):
            session.execute(
                update(MAIL_LOG)
                .where(MAIL_LOG.c.key.in_(keys), MAIL_LOG.c.status == "sending")
                .values(status="pending", attempts=MAIL_LOG.c.attempts - 1)
            )


def owe_failed_again(session: Session, mail_id: int) -> bool:
    """Staff's "Send again": a failed mail owed again at once. False: not failed any more."""
    with write_transaction(session, one_statement=True):
        return (
            session.execute(
                update(MAIL_LOG)
                .where(MAIL_LOG.c.id == mail_id, MAIL_LOG.c.status == "failed")
                .values(status="pending", due_at=None)
            ).rowcount
            == 1
        )


def take_back_stalled(session: Session, claimed_before: datetime) -> int:
    """Attempts still "sending" since before `claimed_before`: their sender died mid-send, so the
    mail is owed again. (The rare cost: a mail that left just before the crash goes twice.)"""
    with write_transaction(session, one_statement=True):
        return session.execute(
            update(MAIL_LOG)
            .where(MAIL_LOG.c.status == "sending", MAIL_LOG.c.claimed_at <= claimed_before)
            .values(status="pending", due_at=None, last_error="the sender stopped before it finished; owed again")
        ).rowcount


def retry_later(session: Session, key: str, error: str) -> str:
    """After a passing failure: owed again once its wait is over ("retry"), or failed when every
    wait was spent ("failed")."""
    attempts = session.scalar(select(MAIL_LOG.c.attempts).where(MAIL_LOG.c.key == key)) or 0
    session.rollback()
    if not 0 < attempts <= len(RETRY_AFTER_SECONDS):
        finish(session, key, "failed", f"{error} (gave up after {attempts} attempts)")
        return "failed"
    due = utcnow() + timedelta(seconds=RETRY_AFTER_SECONDS[attempts - 1])
    with write_transaction(session, one_statement=True):
        session.execute(
            update(MAIL_LOG)
            .where(MAIL_LOG.c.key == key, MAIL_LOG.c.status == "sending")
            .values(status="pending", due_at=due, last_error=error[:500])
        )
    return "retry"


def finish(session: Session, key: str, status: str, error: str = "") -> None:
    """sending -> sent | failed, with the error staff see."""
    with write_transaction(session, one_statement=True):
        session.execute(
            update(MAIL_LOG)
            .where(MAIL_LOG.c.key == key, MAIL_LOG.c.status == "sending")
            .values(status=status, last_error=error[:500], sent_at=utcnow() if status == "sent" else None)
        )


def _taken_for_sending() -> dict:
    """The values of a row an attempt takes over."""
    return {"status": "sending", "attempts": MAIL_LOG.c.attempts + 1, "claimed_at": utcnow()}
