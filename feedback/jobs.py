"""RQ entry points for after-sale work. They take ids, run in an app context, and are idempotent."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.db import utcnow
from app.core.extensions import db
from delivery.mail.pace import schedule_drain
from delivery.queues import SELLER_RETRY, enqueue
from feedback.models import CodeReport
from feedback.policy import apply_policy
from feedback.quarantine import check_batch
from feedback.seller_replacement import wants_the_seller


def decide_report(report_id: int) -> str:
    """Let the product's policy replace the code or hold the report, then check the code's batch:
    after the policy, so a report it held as suspicious is not counted (feedback.complaints)."""
    report = db.session.get(CodeReport, report_id)
    if report is None:
        return "skipped"
    batch_id = report.batch_id
    db.session.rollback()
    outcome = apply_policy(db.session, report_id)
    if outcome == "held" and wants_the_seller(db.session, report_id):
        enqueue("aftersale", "feedback.jobs.replace_from_seller", report_id, retry=SELLER_RETRY)
    db.session.rollback()
    batch_held = check_batch(db.session, batch_id)
    if batch_held or outcome in ("replaced", "held"):
        schedule_drain()  # the mails were owed in the holding, replacing or report-holding transactions
    return outcome


def replace_from_seller(report_id: int) -> str:
    """A dynamic product's held report: one code asked of the seller (feedback.seller_replacement),
    with SELLER_RETRY while the seller is unavailable; after that the report stays with staff."""
    from flask import current_app
    from rq import get_current_job

    from delivery.dynamic.seller import SellerUnavailable
    from feedback.seller_replacement import replace_from_seller as replace

    job = get_current_job()
    try:
        outcome = replace(db.session, current_app.extensions["keyshop.keyring"], report_id)
    except SellerUnavailable:
        if job is not None and job.retries_left:
            raise
        return "held"
    if outcome == "replaced":
        schedule_drain()  # the buyer's mail with the new code
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
