"""The owner hears when a batch is put on hold for complaints: once per hold of the batch, owed in
the transaction that held it (the mail log is keyed by batch and hold)."""

from __future__ import annotations

from email.message import Message

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.core.audit import AuditEntry
from delivery.chat.outbox import listening, owe_chat
from delivery.mail.composers import MailContext, composes
from delivery.mail.log import OwedMail, owe
from delivery.mail.owners import owners_mail
from delivery.notifications.subscriptions import subscribers
from keystore.models import Batch


def owe_hold_mail(session: Session, batch_id: int) -> str:
    """Inside the holding transaction, after its audit entry: the hold's number is the count. Owed
    only when someone is told of held batches (delivery.notifications)."""
    if not subscribers(session, "batch.held") and not listening(session, "batch.held"):
        return ""
    holds = holds_of(session, batch_id)
    key = f"batch-hold:{batch_id}:{holds}"
    name = session.scalar(select(Batch.name).where(Batch.id == batch_id))
    chatted = "owed" if owe_chat(session, key, "batch.held", {"batch": name}) else ""  # chat receives it too
    if not subscribers(session, "batch.held"):
        return chatted
    # The key spelled out in owe(): tests/delivery/test_mail_composers.py reads it to find its composer.
    return owe(session, f"batch-hold:{batch_id}:{holds}", "batch_hold") or chatted


def holds_of(session: Session, batch_id: int) -> int:
    """How many times the batch was put on hold for complaints: the number of the latest hold."""
    return session.scalar(
        select(func.count()).where(
            AuditEntry.action == "keystore.batch.quarantined",
            AuditEntry.actor == "system",
            AuditEntry.target == f"batch:{batch_id}",
        )
    )


@composes("batch-hold")
def compose_hold_mail(context: MailContext, mail: OwedMail) -> Message:
    batch = context.session.get(Batch, int(mail.about.split(":")[0]))
    return owners_mail(context, mail, "batch.held", "batch_hold", batch=batch.name, supplier=batch.supplier)
