"""A batch's complaint count, made so that no buyer can game it.

It counts buyers, not reports: the distinct mailboxes (app.core.abuse.mailbox: case and +tags
folded) that reported codes of the batch. A report counts once it stands: replaced or refunded,
or open and not suspect. A report the policy held as suspicious (a buyer over their limits, with
rejections before) counts only when staff confirm it by a replacement or refund; a rejected one
never counts. (A report held for other reasons, say no stock to replace from, counts.) After
staff release a hold, the count covers only the codes delivered since the release (and their
reports): the owner judged the codes sold before, and their reports must not hold it again.

Two lines per batch. The hold: a rate at or above complaint_threshold_pct, once
complaint_min_reports buyers reported. The warning line: a rate above half that threshold, once
the batch is one buyer short of the hold's minimum (one buyer's word is not yet a rate); no
replacement comes from a batch above it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from fractions import Fraction

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from app.core.abuse import mailbox
from feedback.models import CodeReport
from keystore.models import SOLD_STATUSES, Batch, Code

STANDING = or_(
    CodeReport.status.in_(("replaced", "refunded")),
    and_(CodeReport.status == "open", CodeReport.suspicious.is_(False)),
)
SINCE_RELEASE = or_(Batch.released_at.is_(None), Code.delivered_at >= Batch.released_at)


@dataclass(frozen=True)
class BatchCount:
    batch_id: int
    delivered: int
    reporters: int  # distinct mailboxes with a standing report
    threshold_pct: int
    min_reports: int

    @property
    def rate(self) -> Fraction:
        """Buyers reporting per code delivered, exact (decisions compare it, never a float)."""
        if not self.delivered:
            return Fraction(self.reporters * 10**9)  # reports on codes of no known delivery: worst
        return Fraction(self.reporters, self.delivered)

    def at_threshold(self) -> bool:
        return self.reporters >= self.min_reports and self.rate * 100 >= self.threshold_pct

    def above_warning(self) -> bool:
        return self.reporters >= max(self.min_reports - 1, 1) and self.rate * 200 > self.threshold_pct


def batch_counts(session: Session, batch_ids: list[int], confirming: int | None = None) -> dict[int, BatchCount]:
    """The count of each batch, from its last release on; with the report being `confirming` (staff
    replacing a held report) counted as standing already."""
    standing = STANDING if confirming is None else or_(STANDING, CodeReport.id == confirming)
    delivered = dict(
        session.execute(
            select(Code.batch_id, func.count())
            .join(Batch, Batch.id == Code.batch_id)
            .where(Code.batch_id.in_(batch_ids), Code.status.in_(SOLD_STATUSES), SINCE_RELEASE)
            .group_by(Code.batch_id)
        ).all()
    )
    reporters: dict[int, set[str]] = defaultdict(set)
    for batch_id, email in session.execute(
        select(CodeReport.batch_id, CodeReport.buyer_email)
        .join(Code, Code.id == CodeReport.code_id)
        .join(Batch, Batch.id == CodeReport.batch_id)
        .where(CodeReport.batch_id.in_(batch_ids), standing, SINCE_RELEASE)
    ):
        reporters[batch_id].add(mailbox(email))
    lines = session.execute(
        select(Batch.id, Batch.complaint_threshold_pct, Batch.complaint_min_reports).where(Batch.id.in_(batch_ids))
    )
    return {
        batch_id: BatchCount(batch_id, delivered.get(batch_id, 0), len(reporters[batch_id]), pct, least)
        for batch_id, pct, least in lines
    }


def batch_count(session: Session, batch_id: int) -> BatchCount:
    return batch_counts(session, [batch_id])[batch_id]
