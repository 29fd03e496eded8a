"""Which batch a replacement code comes from: never one above its complaint warning line (half its
hold threshold, once one buyer short of the hold's minimum; feedback.complaints), so buyers are not
sent more codes of the batch they are reporting; among the rest, the lowest complaint rate, then its supplier's lowest, then the oldest
batch (first in, first out). Deterministic: the same stock always gives the same order."""

from __future__ import annotations

from collections import defaultdict
from fractions import Fraction

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from feedback.complaints import BatchCount, batch_counts
from keystore.models import Batch, Code


def replacement_batches(session: Session, product_id: int, report_id: int) -> tuple[list[int], int]:
    """(the batches to claim from, best first; how many batches in stock were left out as warned).
    The report being replaced counts, even one staff confirm after the policy held it as suspect."""
    in_stock = dict(
        session.execute(
            select(Batch.id, Batch.supplier).where(
                Batch.product_id == product_id,
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
