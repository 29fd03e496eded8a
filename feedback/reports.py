"""A buyer reports a delivered code that does not work. The code leaves sale at once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.core.abuse import mailbox
from app.core.db import write_transaction
from app.core.errors import BuyerError
from app.core.models import Order, log_order
from app.core.webhook_outbox import owe_order_event
from delivery.queues import enqueue
from feedback.models import REPORT_REASONS, CodeReport
from feedback.text import plain_text
from keystore.models import Code

TEXT_LIMIT = 1000


class ReportError(BuyerError):
    """The report cannot be taken; the message names the field."""


@dataclass(frozen=True)
class ReportLine:
    """What the buyer sees of a report beside the code."""

    status: str  # open | replaced | refunded | rejected
    reason: str
    message: str
    created_at: datetime
    resolved_at: datetime | None = None
    replacement_code_id: int | None = None


def report_code(session: Session, order_id: int, code_id: int, reason: str, text: str = "") -> int:
    """Record the report and mark the code `reported` in one transaction; the decision is a job."""
    if reason not in REPORT_REASONS:
        raise ReportError("reason", "must be one of %(choices)s", choices=", ".join(REPORT_REASONS))
    text = plain_text("text", text, TEXT_LIMIT)
    with write_transaction(session):
        order = session.get(Order, order_id)
        if order is None or order.status != "delivered":
            raise ReportError("order", "only a delivered order's codes can be reported")
        code = session.get(Code, code_id)
        if code is None or code.order_id != order_id:
            raise ReportError("code", "not one of this order's codes")
        if order.reveal_on_request and code.revealed_at is None:
            raise ReportError("code", 'press "Show my codes" first: this code was never shown')
        taken = session.execute(
            update(Code)
            .where(Code.id == code_id, Code.order_id == order_id, Code.status == "delivered")
            .values(status="reported")
        ).rowcount
        if not taken:
            raise ReportError("code", "this code was already reported")
        report = CodeReport(
            order_id=order_id,
            code_id=code_id,
            product_id=code.product_id,
            batch_id=code.batch_id,
            buyer_email=order.email.lower(),
            buyer_mailbox=mailbox(order.email),
            reason=reason,
            text=text,
        )
        session.add(report)
        session.flush()
        log_order(session, order_id, "shop.order.code_reported", f"report {report.id}: {reason}")
        data = {"report_id": report.id, "code_id": code_id, "reason": reason}
        owe_order_event(session, "code.reported", order_id, about=str(report.id), **data)
        report_id = report.id
    enqueue("aftersale", "feedback.jobs.decide_report", report_id)  # the sweeper finds it if Redis is down
    return report_id


def reports_of_order(session: Session, order_id: int) -> dict[int, ReportLine]:
    rows = session.scalars(select(CodeReport).where(CodeReport.order_id == order_id))
    return {
        r.code_id: ReportLine(r.status, r.reason, r.message, r.created_at, r.resolved_at, r.replacement_code_id)
        for r in rows
    }
