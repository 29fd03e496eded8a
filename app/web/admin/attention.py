"""What needs a person, on the dashboard: mail that did not go out (sent again on one click), imports
that failed or stalled, the last ledger check when it found the books broken, and chargebacks whose
evidence is not sent yet, the one due soonest first."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, flash, redirect, url_for
from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.db import utcnow
from app.core.extensions import db
from app.core.models import Order
from app.web.admin import bp, staff_required
from delivery.imports import STUCK_AFTER_SECONDS
from delivery.ledger.alarm import last_result
from delivery.mail.log import MailLog, owe_failed_again
from delivery.mail.pace import schedule_drain
from keystore.models import ImportRun
from payments.disputes import awaiting_evidence

RECENT = timedelta(days=7)


def needs_attention(session: Session) -> dict:
    return {
        "failed_mail": _failed_mail(session),
        "imports": _imports(session),
        "ledger": last_result(current_app.extensions["keyshop.redis"]),
        "disputes": awaiting_evidence(session),
    }


def _failed_mail(session: Session) -> list:
    return session.execute(
        select(MailLog.id, Order.number, MailLog.kind, MailLog.last_error)
        .join(Order, Order.id == MailLog.order_id)
        .where(MailLog.status == "failed")
        .order_by(MailLog.id.desc())
        .limit(20)
    ).all()


def _imports(session: Session) -> list:
    """Failed in the last week, or queued/running with no sign of life: each with its reason."""
    now = utcnow()
    stalled = ImportRun.state.in_(("queued", "running")) & (
        ImportRun.heartbeat_at < now - timedelta(seconds=STUCK_AFTER_SECONDS)
    )
    failed = (ImportRun.state == "failed") & (ImportRun.created_at >= now - RECENT)
    return session.scalars(select(ImportRun).where(stalled | failed).order_by(ImportRun.id.desc()).limit(20)).all()


@bp.post("/mail/<int:mail_id>/resend")
@staff_required
def resend_mail(mail_id: int):
    """A failed mail, owed again for the drain; its claim takes the row over, so it goes out once."""
    if not owe_failed_again(db.session, mail_id):
        flash(gettext("That mail is not failed any more (sent, or being sent)."))
    elif schedule_drain():
        flash(gettext("Sent again: it goes out within seconds unless the mail server refuses it again."))
    else:
        flash(gettext("Redis is not answering: the mail is owed and goes out once Redis is back."))
    return redirect(url_for("admin.dashboard"))
