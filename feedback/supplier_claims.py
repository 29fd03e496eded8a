"""The claim for credit against a supplier: each of their codes that staff confirmed bad (replaced
or refunded), in plaintext so the supplier can check it, with the report's evidence. It opens
codes, so only an owner takes it, and it is audited in the transaction that opens them (as a
batch export is, keystore.staff_actions)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from app.core.audit import Actor, audit, require_owner
from app.core.csv_cells import csv_text
from app.core.db import write_transaction
from app.core.models import Order, Product
from feedback.models import CodeReport
from feedback.suppliers import require_supplier
from keystore.formats import display
from keystore.keyring import Keyring
from keystore.models import Batch, Code
from keystore.reveal import open_code

CONFIRMED = ("replaced", "refunded")
HEADER = (
    "reported_at",
    "code",
    "product",
    "batch",
    "order",
    "reason",
    "buyer_text",
    "decision",
    "decided_by",
    "decided_at",
)


def claim_csv(
    session: Session,
    keyring: Keyring,
    actor: Actor,
    supplier: str,
    since: datetime | None,
    until: datetime | None,
    reason: str = "",
) -> str:
    """The CSV of the supplier's confirmed bad codes reported in [since, until); audited."""
    require_owner(actor, "export a supplier claim")
    with write_transaction(session):
        require_supplier(session, supplier)
        rows = [_row(keyring, *found) for found in session.execute(_claim_query(supplier, since, until))]
        audit(
            session,
            actor.email,
            "shop.supplier.claim_exported",
            f"supplier:{supplier}"[:64],
            reason=reason.strip(),
            detail=f"{len(rows)} code(s); reported from {since or 'the start'} until {until or 'now'}",
        )
    return csv_text(HEADER, rows)


def _claim_query(supplier: str, since: datetime | None, until: datetime | None) -> Select:
    query = (
        select(CodeReport, Code, Batch.name, Order.number, Product.name, Product.code_format)
        .join(Code, Code.id == CodeReport.code_id)
        .join(Batch, Batch.id == CodeReport.batch_id)
        .join(Order, Order.id == CodeReport.order_id)
        .join(Product, Product.id == CodeReport.product_id)
        .where(Batch.supplier == supplier, CodeReport.status.in_(CONFIRMED))
        .order_by(CodeReport.created_at, CodeReport.id)
    )
    if since is not None:
        query = query.where(CodeReport.created_at >= since)
    if until is not None:
        query = query.where(CodeReport.created_at < until)
    return query


def _row(
    keyring: Keyring, report: CodeReport, code: Code, batch: str, order: str, product: str, code_format: str
) -> tuple[str, ...]:
    return (
        report.created_at.isoformat(timespec="seconds"),
        display(open_code(keyring, code), code_format),
        product,
        batch,
        order,
        report.reason,
        report.text,
        report.status,
        report.resolved_by,
        report.resolved_at.isoformat(timespec="seconds") if report.resolved_at else "",
    )
