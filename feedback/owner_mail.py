"""The owner hears when a batch is put on hold for complaints."""

from __future__ import annotations

from email.message import EmailMessage

from flask import current_app
from sqlalchemy import func, select

from app.core.audit import AuditEntry
from app.core.extensions import db
from delivery.mail.owners import owner_message
from delivery.mail.send import claim_and_send
from delivery.queues import enqueue
from keystore.models import Batch


def enqueue_hold_notice(batch_id: int) -> None:
    holds = db.session.scalar(
        select(func.count()).where(
            AuditEntry.action == "keystore.batch.quarantined",
            AuditEntry.actor == "system",
            AuditEntry.target == f"batch:{batch_id}",
        )
    )
    db.session.rollback()
    enqueue("notify", "feedback.owner_mail.send_hold_notice", batch_id, holds)


def send_hold_notice(batch_id: int, hold: int) -> str:
    """RQ job: once per hold of the batch (the mail log is keyed by both)."""
    session, settings = db.session, current_app.config["KEYSHOP"]

    def compose() -> EmailMessage:
        batch = session.get(Batch, batch_id)
        message = owner_message(
            session,
            "batch_hold",
            f"batch-hold-{batch_id}-{hold}",
            batch=batch.name,
            supplier=batch.supplier,
            base_url=settings.base_url,
        )
        session.rollback()
        return message

    return claim_and_send(session, settings, f"batch-hold:{batch_id}:{hold}", "batch_hold", compose)
