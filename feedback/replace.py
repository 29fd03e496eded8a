"""Replacing a reported code: a fresh one through the same claim as delivery, the bad one burned.

Every replacement, by the policy or by staff, goes through `replace_code` inside one write
transaction, which takes its locks in one order (the buyer's limit, the order's payment, the codes,
the report), so replacements and refunds never deadlock and never both take effect.
"""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.core.abuse import mailbox
from app.core.db import utcnow
from app.core.limits import hold
from app.core.models import Order, log_order
from app.core.webhook_outbox import owe_order_event
from delivery.mail.log import owe_order_mail
from feedback.models import CodeReport
from feedback.replacement_source import replacement_batches
from keystore.claim import claim_codes
from keystore.models import Code
from payments.models import Payment, Refund
from payments.refund_rules import hold_order
from payments.refunds import OPEN

REFUNDED = "the order was refunded"
NO_STOCK = "no code in stock to replace it with"
WARNED_ONLY = "the only codes in stock are of batches above their complaint warning line"
CHOSEN_EMPTY = "the chosen batch has no code of this product for sale"
LIMIT_SCOPE = "aftersale.replacements"


def hold_replacements(session: Session, report: CodeReport) -> None:
    """The buyer's replacement lock, before anything is counted: decisions on the same buyer's reports
    (the per-buyer limit, and the per-order cap, an order having one buyer) then run one at a time.
    Keyed by mailbox, as the limit counts: reports under two aliases must not count side by side."""
    hold(session, LIMIT_SCOPE, mailbox(report.buyer_email))


def replace_code(session: Session, report: CodeReport, by: str, batch_id: int | None = None) -> str:
    """Inside the caller's write transaction: "" when replaced, else why not (nothing changed).
    `batch_id`: staff chose the batch the new code comes from (its available codes only).

    ReportClosed rises when another decision took the report first; the caller rolls back, which
    returns the code just claimed to stock."""
    hold_replacements(session, report)
    lock_order_money(session, report)
    why = refund_covers(session, report.order_id)
    if why:
        return why
    claimed, why = _claim_replacement(session, report, batch_id)
    if not claimed:
        return why
    resolve(session, report, "replaced", by, replacement_code_id=claimed)
    log_order(session, report.order_id, "shop.order.code_replaced", f"report {report.id}")
    owe_order_mail(session, report.order_id, f"replaced:{report.id}:{claimed}")  # the mail names the new code
    return ""


def _claim_replacement(session: Session, report: CodeReport, chosen: int | None) -> tuple[int | None, str]:
    """One code from the chosen batch, or else from the best batch that still has one
    (feedback.replacement_source): (its id, "") or (None, why not)."""
    batch_ids, warned = ([chosen], 0) if chosen else replacement_batches(session, report.product_id, report.id)
    for batch_id in batch_ids:
        claimed = claim_codes(
            session, product_id=report.product_id, order_id=report.order_id, quantity=1, batch_id=batch_id
        )
        if claimed:
            return claimed[0], ""
    return None, (WARNED_ONLY if warned else CHOSEN_EMPTY if chosen else NO_STOCK)


def lock_order_money(session: Session, report: CodeReport) -> None:
    """Take the order's refund lock, as every refund does (payments.refund_rules), then make sure the
    report is still open: a refund or replacement that committed while we waited is seen, and ours
    is refused (ReportClosed) before it changes anything. SQLite's writers run one at a time anyway."""
    hold_order(session, report.order_id)
    status = session.scalar(select(CodeReport.status).where(CodeReport.id == report.id))
    if status != "open":
        raise ReportClosed(f"report {report.id} was already {status}")


def refund_covers(session: Session, order_id: int) -> str:
    """REFUNDED when the order's money went back, or is on its way back in full (refunds requested,
    pending, succeeded or settled by hand add up to what was paid): a replacement would hand out a
    code nobody pays for. Exact only after lock_order_money()."""
    status = session.scalar(select(Order.status).where(Order.id == order_id))
    paid = session.scalar(select(func.coalesce(func.sum(Payment.amount_minor), 0)).where(Payment.order_id == order_id))
    refunded = session.scalar(
        select(func.coalesce(func.sum(Refund.amount_minor), 0)).where(
            Refund.order_id == order_id, Refund.status.in_(OPEN)
        )
    )
    return REFUNDED if status == "refunded" or (paid and refunded >= paid) else ""


def resolve(session: Session, report: CodeReport, status: str, by: str, **values) -> None:
    """Close an open report and settle its code: burned (invalid), or confirmed working on a rejection."""
    moved = session.execute(
        update(CodeReport)
        .where(CodeReport.id == report.id, CodeReport.status == "open")
        .values(status=status, resolved_by=by, resolved_at=utcnow(), **values)
    ).rowcount
    if moved != 1:
        raise ReportClosed(f"report {report.id} was already decided")
    code_state = "confirmed_ok" if status == "rejected" else "invalid"
    session.execute(update(Code).where(Code.id == report.code_id, Code.status == "reported").values(status=code_state))
    data = {"report_id": report.id, "code_id": report.code_id, "decision": status}
    owe_order_event(session, "report.decided", report.order_id, about=str(report.id), **data)


class ReportClosed(RuntimeError):
    """Someone (a person or the policy) decided the report first."""
