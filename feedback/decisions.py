"""Staff decide a report in one click each: replace, refund, or reject. Audited; the buyer is mailed.

Each decision is one write transaction that closes the report by a conditional update, so of two
decisions pressed at the same moment exactly one takes effect; the other is refused with "already
decided" and leaves nothing behind (no refund row, no claimed code). Jobs and mail are enqueued
only after the winning decision has committed.
"""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.core.audit import Actor, audit
from app.core.db import write_transaction
from app.core.models import log_order
from delivery.mail.log import owe_order_mail
from delivery.mail.pace import schedule_drain
from delivery.queues import enqueue_refund
from feedback.models import CodeReport
from feedback.quarantine import check_batch
from feedback.replace import REFUNDED, ReportClosed, lock_order_money, replace_code, resolve
from feedback.text import plain_text
from payments.refunds import RefundError, add_refund


class DecisionError(ValueError):
    """The decision cannot be made; the message says why."""


ALREADY_DECIDED = "report: already decided by someone else a moment ago; reload the queue"


def replace_reported(session: Session, actor: Actor, report_id: int, batch_id: int | None = None) -> None:
    """A fresh code from stock (from `batch_id` when staff chose it); never for an order whose money
    went back (or is going back) in full."""
    with _deciding():
        with write_transaction(session):
            report = _open_report(session, report_id)
            why = replace_code(session, report, actor.email, batch_id)
            if why:
                raise DecisionError(_refused_replacement(why))
            audit(session, actor.email, "feedback.report.replaced", f"report:{report_id}")
            batch_id = report.batch_id
    check_batch(session, batch_id)  # a report the policy held counts once staff confirm it
    schedule_drain()  # the mail with the new code was owed in the replacing transaction


def refund_reported(session: Session, actor: Actor, report_id: int, amount_minor: int) -> int:
    """The refund row and the closed report commit together (the refund's key is the report's), so a
    refund exists exactly when the report says refunded; its job is enqueued once that is committed."""
    with _deciding():
        with write_transaction(session):
            report = _open_report(session, report_id)
            refund_id = _add_refund(session, actor, report, amount_minor)
            resolve(session, report, "refunded", actor.email, refund_id=refund_id)
            audit(session, actor.email, "feedback.report.refunded", f"report:{report_id}", detail=f"refund:{refund_id}")
            batch_id = report.batch_id
    enqueue_refund(refund_id)  # the refund job mails the buyer once the money is on its way back
    if check_batch(session, batch_id):  # a report the policy held counts once staff confirm it
        schedule_drain()
    return refund_id


def reject_report(session: Session, actor: Actor, report_id: int, message: str) -> None:
    """The code was checked and works; the buyer reads why."""
    message = plain_text("message", message, 1000)  # a TextError (a ValueError) names the field
    if not message:
        raise DecisionError("message: tell the buyer why (they see it on their order page)")
    with _deciding():
        with write_transaction(session):
            report = _open_report(session, report_id)
            resolve(session, report, "rejected", actor.email, message=message)
            log_order(session, report.order_id, "shop.order.report_rejected", f"report {report_id}")
            audit(session, actor.email, "feedback.report.rejected", f"report:{report_id}", reason=message)
            owe_order_mail(session, report.order_id, f"report_rejected:{report_id}")
    schedule_drain()


def _add_refund(session: Session, actor: Actor, report: CodeReport, amount_minor: int) -> int:
    """The order's payments are locked before the report is closed, the same order of locks as a
    replacement's, so the two never deadlock; a decision committed while we waited is seen first."""
    lock_order_money(session, report)
    try:
        refund_id, _ = add_refund(
            session,
            actor,
            report.order_id,
            amount_minor,
            key=f"report:{report.id}",
            reason=f"code reported (report {report.id})",
        )
    except RefundError as exc:
        raise DecisionError(str(exc)) from None
    return refund_id


@contextmanager
def _deciding():
    """Another decision that won the report (ReportClosed), or the same refund key committed by a
    concurrent click (IntegrityError): both are the answer "already decided", never an error page."""
    try:
        yield
    except (ReportClosed, IntegrityError):
        raise DecisionError(ALREADY_DECIDED) from None


def _refused_replacement(why: str) -> str:
    if why.startswith("batch: "):  # staff chose a batch no replacement may come from
        return why
    if why == REFUNDED:
        return "order: the order was refunded (or a refund of all of it is on its way); no code is sent for it"
    return f"stock: {why}; upload a batch or refund"


def _open_report(session: Session, report_id: int) -> CodeReport:
    report = session.get(CodeReport, report_id)
    if report is None:
        raise DecisionError(f"report: there is no report {report_id}")
    if report.status != "open":
        raise DecisionError(f"report: already {report.status}")
    return report
