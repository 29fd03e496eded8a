"""Which batch a replacement code comes from: never one above its complaint warning line (half its
hold threshold, once one buyer short of the hold's minimum; feedback.complaints), so buyers are not
sent more codes of the batch they are reporting, nor one on hold or withdrawn by staff; among the
rest, the lowest complaint rate, then its supplier's lowest, then the oldest batch (first in, first
out). Deterministic: the same stock always gives the same order. Staff may choose among the same
batches (batch_choices); a chosen batch is checked again when the code is claimed (refusal_of_chosen)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from fractions import Fraction

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from feedback.complaints import BatchCount, batch_counts
from keystore.models import Batch, Code


@dataclass(frozen=True)
class BatchChoice:
    """A batch staff may pick to replace a code from, as the admin page offers it."""

    id: int
    name: str
    supplier: str
    available: int


def batch_choices(session: Session, product_id: int, report_id: int | None = None) -> list[BatchChoice]:
    """The batches a replacement may come from (on sale, not above their warning line), best first."""
    eligible, _warned = replacement_batches(session, product_id, report_id)
    rows = session.execute(
        select(Batch.id, Batch.name, Batch.supplier, func.count(Code.id))
        .join(Code, Code.batch_id == Batch.id)
        .where(Batch.id.in_(eligible), Code.status == "available")
        .group_by(Batch.id, Batch.name, Batch.supplier)
    ).all()
    by_id = {row[0]: BatchChoice(*row) for row in rows}
    return [by_id[batch_id] for batch_id in eligible if batch_id in by_id]


def refusal_of_chosen(session: Session, product_id: int, report_id: int, batch_id: int) -> str:
    """Why staff may not replace the report's code from this batch, naming the field; "" when they may."""
    batch = session.get(Batch, batch_id)
    if batch is None or batch.product_id != product_id:
        return f"batch: there is no batch {batch_id} of this product"
    if batch.on_hold or batch.withdrawn:
        return f"batch: {batch.name} is off sale ({'on hold for complaints' if batch.on_hold else batch.withdrawn})"
    if batch_counts(session, [batch_id], confirming=report_id)[batch_id].above_warning():
        return f"batch: {batch.name} is above its complaint warning line; no replacement is sent from it"
    return ""


def replacement_batches(session: Session, product_id: int, report_id: int | None) -> tuple[list[int], int]:
    """(the batches to claim from, best first; how many batches in stock were left out as warned).
    The report being replaced counts, even one staff confirm after the policy held it as suspect."""
    in_stock = dict(
        session.execute(
            select(Batch.id, Batch.supplier).where(
                Batch.product_id == product_id,
                Batch.on_hold.is_(False),
                Batch.withdrawn == "",
                exists().where(Code.batch_id == Batch.id, Code.status == "available"),
            )
        ).all()
    )
    if not in_stock:
        return [], 0
    named = sorted(set(in_stock.values()) - {""})  # every batch of these suppliers, of any product
    supplier_of = dict(session.execute(select(Batch.id, Batch.supplier).where(Batch.supplier.in_(named))).all())
    counts = batch_counts(session, sorted(set(in_stock) | set(supplier_of)), confirming=report_id)
    supplier_rates = _supplier_rates(counts, supplier_of)
    eligible = [batch_id for batch_id in in_stock if not counts[batch_id].above_warning()]
    eligible.sort(
        key=lambda batch_id: (
            counts[batch_id].rate,
            supplier_rates.get(in_stock[batch_id], counts[batch_id].rate),  # no supplier: the batch alone
            batch_id,
        )
    )
    return eligible, len(in_stock) - len(eligible)


def _supplier_rates(counts: dict[int, BatchCount], supplier_of: dict[int, str]) -> dict[str, Fraction]:
    """Each supplier's buyers reporting per code delivered, over all its batches of every product."""
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for batch_id, supplier in supplier_of.items():
        totals[supplier][0] += counts[batch_id].reporters
        totals[supplier][1] += counts[batch_id].delivered
    return {supplier: Fraction(reporters, delivered or 1) for supplier, (reporters, delivered) in totals.items()}
