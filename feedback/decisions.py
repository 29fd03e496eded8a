"""Staff decide a report in one click each: replace, refund, or reject. Audited; the buyer is mailed."""
from __future__ import annotations

from sqlalchemy.orm import Session

from app.audit import Actor, audit
from app.db import write_transaction
from app.models import log_order
from delivery.queues import enqueue_mail, enqueue_refund
from feedback.models import CodeReport
from feedback.replace import ReportClosed, replace_code, resolve
from feedback.text import plain_text
from payments.refunds import RefundError, request_refund


class DecisionError(ValueError):
    """The decision cannot be made; the message says why."""


def replace_reported(session: Session, actor: Actor, report_id: int) -> None:
    with write_transaction(session):
        report = _open_report(session, report_id)
        if not replace_code(session, report, actor.email):
            raise DecisionError("stock: no code in stock to replace it with; upload a batch or refund")
        audit(session, actor.email, "feedback.report.replaced", f"report:{report_id}")
    enqueue_mail(report.order_id, f"replaced:{report_id}")


def refund_reported(session: Session, actor: Actor, report_id: int, amount_minor: int) -> int:
    """Refund through the order's provider, once: the refund's key is the report's, so a second
    click finds the first refund and the report already closed."""
    with write_transaction(session):
        order_id = _open_report(session, report_id).order_id
    try:
        refund_id, _ = request_refund(session, actor, order_id, amount_minor, key=f"report:{report_id}",
                                      reason=f"code reported (report {report_id})")
    except RefundError as exc:
        raise DecisionError(str(exc)) from None
    try:
        with write_transaction(session):
            resolve(session, session.get(CodeReport, report_id), "refunded", actor.email, refund_id=refund_id)
            audit(session, actor.email, "feedback.report.refunded", f"report:{report_id}", detail=f"refund:{refund_id}")
    except ReportClosed:
        raise DecisionError("report: already decided") from None
    # Also when an earlier click recorded the refund but did not close the report: the refund row
    # leaves `requested` only once, so a second job for it does nothing.
    enqueue_refund(refund_id)  # the refund job mails the buyer once the money is on its way back
    return refund_id


def reject_report(session: Session, actor: Actor, report_id: int, message: str) -> None:
    """The code was checked and works; the buyer reads why."""
    message = plain_text("message", message, 1000)  # a TextError (a ValueError) names the field
    if not message:
        raise DecisionError("message: tell the buyer why (they see it on their order page)")
    with write_transaction(session):
        report = _open_report(session, report_id)
        resolve(session, report, "rejected", actor.email, message=message)
        log_order(session, report.order_id, "shop.order.report_rejected", f"report {report_id}")
        audit(session, actor.email, "feedback.report.rejected", f"report:{report_id}", reason=message)
    enqueue_mail(report.order_id, f"report_rejected:{report_id}")


def _open_report(session: Session, report_id: int) -> CodeReport:
    report = session.get(CodeReport, report_id)
    if report is None:
        raise DecisionError(f"report: there is no report {report_id}")
    if report.status != "open":
        raise DecisionError(f"report: already {report.status}")
    return report
