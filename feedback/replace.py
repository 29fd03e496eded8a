"""Replacing a reported code: a fresh one through the same claim as delivery, the bad one burned."""
from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from app.db import utcnow
from app.models import log_order
from feedback.models import CodeReport
from keystore.claim import claim_codes
from keystore.models import Code


def replace_code(session: Session, report: CodeReport, by: str) -> bool:
    """Inside the caller's write transaction; False (and nothing changed) when there is no stock."""
    claimed = claim_codes(session, product_id=report.product_id, order_id=report.order_id, quantity=1)
    if not claimed:
        return False
    resolve(session, report, "replaced", by, replacement_code_id=claimed[0])
    log_order(session, report.order_id, "shop.order.code_replaced", f"report {report.id}")
    return True


def resolve(session: Session, report: CodeReport, status: str, by: str, **values) -> None:
    """Close an open report and settle its code: burned (invalid), or confirmed working on a rejection."""
    moved = session.execute(update(CodeReport).where(CodeReport.id == report.id, CodeReport.status == "open")
                            .values(status=status, resolved_by=by, resolved_at=utcnow(), **values)).rowcount
    if moved != 1:
        raise ReportClosed(f"report {report.id} was already decided")
    code_state = "confirmed_ok" if status == "rejected" else "invalid"
    session.execute(update(Code).where(Code.id == report.code_id, Code.status == "reported").values(status=code_state))


class ReportClosed(RuntimeError):
    """Someone (a person or the policy) decided the report first."""
