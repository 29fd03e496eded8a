"""RQ entry points for after-sale work. They take ids, run in an app context, and are idempotent."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.db import utcnow
from app.core.extensions import db
from delivery.mail.pace import schedule_drain
from delivery.queues import enqueue
from feedback.models import CodeReport
from feedback.policy import apply_policy
from feedback.quarantine import check_batch


def decide_report(report_id: int) -> str:
    """Let the product's policy replace the code or hold the report, then check the code's batch:
    after the policy, so a report it held as suspicious is not counted (feedback.complaints)."""
    report = db.session.get(CodeReport, report_id)
    if report is None:
        return "skipped"
    batch_id = report.batch_id
    db.session.rollback()
    outcome = apply_policy(db.session, report_id)
    batch_held = check_batch(db.session, batch_id)
    if batch_held or outcome in ("replaced", "held"):
        schedule_drain()  # the mails were owed in the holding, replacing or report-holding transactions
    return outcome


def sweep_reports(session: Session, older_than_seconds: int) -> int:
    """Reports no job decided (Redis was down when they came in): enqueued again."""
    cutoff = utcnow() - timedelta(seconds=older_than_seconds)
    undecided = list(
        session.scalars(
            select(CodeReport.id).where(
                CodeReport.status == "open", CodeReport.held_because == "", CodeReport.created_at <= cutoff
            )
        )
    )
    session.rollback()
    return sum(enqueue("aftersale", "feedback.jobs.decide_report", report_id) for report_id in undecided)
