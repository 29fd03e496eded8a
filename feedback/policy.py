"""The shop's policy on a fresh report: replace at once from stock, or hold it for staff."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.orm import Session

from app.core.abuse import mailbox
from app.core.db import utcnow, write_transaction
from app.core.models import Order, Product, log_order
from delivery.notifications.tell import tell
from feedback.models import CodeReport
from feedback.replace import ReportClosed, hold_replacements, refund_covers, replace_code

REPLACEMENT_WINDOW_DAYS = 30
FLAG_AFTER_REJECTIONS = 3


def apply_policy(session: Session, report_id: int) -> str:
    """replaced, held, or skipped (decided already). Safe to run twice: a decided report is left alone."""
    try:
        return _apply(session, report_id)
    except ReportClosed:  # staff decided it while the policy was deciding; their decision stands
        return "skipped"


def _apply(session: Session, report_id: int) -> str:
    """One transaction: the limits are counted and the replacement recorded under the buyer's lock."""
    with write_transaction(session):
        report = session.get(CodeReport, report_id)
        if report is None or report.status != "open" or report.held_because:
            return "skipped"
        hold_replacements(session, report)  # before counting: the count then sees every earlier decision
        suspect = suspicion(session, report)
        why = hold_reason(session, report) or suspect or replace_code(session, report, "policy")
        if not why:
            return "replaced"
        held = session.execute(
            update(CodeReport)
            .where(CodeReport.id == report_id, CodeReport.status == "open", CodeReport.held_because == "")
            .values(held_because=why, suspicious=why == suspect)
        ).rowcount
        if held:
            log_order(session, report.order_id, "shop.order.report_held", f"report {report_id}: {why}")
            number = session.scalar(select(Order.number).where(Order.id == report.order_id))
            tell(session, "report.held", str(report_id), number=number, reason=why)
    return "held" if held else "skipped"


def hold_reason(session: Session, report: CodeReport) -> str:
    """Why this report needs a person whoever made it (the order's money went back, the product's
    policy), or "". Inside the caller's write transaction, after hold_replacements(), as suspicion()."""
    refunded = refund_covers(session, report.order_id)
    if refunded:
        return refunded
    if session.scalar(select(Product.report_policy).where(Product.id == report.product_id)) == "hold":
        return "the product's policy holds every report for staff"
    return ""


def suspicion(session: Session, report: CodeReport) -> str:
    """Why the buyer's report is suspect (more replacements than codes, than their limit, or reports
    rejected before), or "". A suspect report holds no batch until staff confirm it (feedback.complaints)."""
    product = session.get(Product, report.product_id)
    quantity = session.scalar(select(Order.quantity).where(Order.id == report.order_id))
    if _replacements(session, CodeReport.order_id == report.order_id) >= quantity:
        return f"the order already had {quantity} replacement(s), as many as codes bought"
    since = utcnow() - timedelta(days=REPLACEMENT_WINDOW_DAYS)
    recent = _replacements(session, of_buyer(session, report.buyer_email), CodeReport.created_at >= since)
    if recent >= product.replacement_limit:
        return (
            f"the buyer had {recent} replacement(s) in {REPLACEMENT_WINDOW_DAYS} days "
            f"(limit {product.replacement_limit})"
        )
    rejected = rejections(session, report.buyer_email)
    if rejected >= FLAG_AFTER_REJECTIONS:
        return f"the buyer's reports were rejected {rejected} times"
    return ""


def rejections(session: Session, email: str) -> int:
    return session.scalar(select(func.count()).where(of_buyer(session, email), CodeReport.status == "rejected"))


def of_buyer(session: Session, email: str) -> ColumnElement[bool]:
    """The reports of the buyer's mailbox, whichever of its aliases made them (app.core.abuse.mailbox):
    x@a.test, X@a.test and x+1@a.test are one buyer with one limit, as for the complaint counts.
    Reports keep the address as typed: its aliases start alike and end in the same domain."""
    box = mailbox(email)
    local, _, domain = box.rpartition("@")
    typed = session.scalars(
        select(CodeReport.buyer_email)
        .where(
            CodeReport.buyer_email.startswith(local, autoescape=True),
            CodeReport.buyer_email.endswith("@" + domain, autoescape=True),
        )
        .distinct()
    )
    return CodeReport.buyer_email.in_({address for address in typed if mailbox(address) == box} | {email.lower()})


def _replacements(session: Session, *where) -> int:
    return session.scalar(select(func.count()).where(CodeReport.status == "replaced", *where))
