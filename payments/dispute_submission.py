"""Evidence against a dispute, sent once: staff ask (the evidence is frozen on the row, as sent), a
job sends it. However many clicks, staff members or runs of the job, the provider is called by one
run at a time (the row's `sending_at` claim) with one idempotency key per submission, so it
receives the evidence once.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from app.core.audit import Actor, audit, require_owner
from app.core.db import changed_rows, utcnow, write_transaction
from app.core.models import log_order
from payments.base import DisputeEvidence, PaymentProvider, ProviderRefused, ProviderUnavailable
from payments.disputes import SYSTEM
from payments.models import Dispute

SUBMITTABLE = ("open", "failed")  # failed: refused or unreachable; staff may send it again
# A run that claimed the call and died (its worker killed) is taken over after this long; the
# provider's read timeout is 15 s, so a live run has long finished.
CLAIM_SECONDS = 300


def ask_to_submit(session: Session, actor: Actor, dispute_id: int, evidence: DisputeEvidence) -> bool:
    """Freeze `evidence` and make the dispute `submitting`; True when this call did it (the caller
    enqueues the job after this commit), False when another click or staff member did first."""
    require_owner(actor, "submit dispute evidence")
    with write_transaction(session):
        moved = changed_rows(
            session,
            update(Dispute)
            .where(Dispute.id == dispute_id, Dispute.state.in_(SUBMITTABLE))
            .values(
                state="submitting",
                evidence=json.dumps(asdict(evidence)),
                submissions=Dispute.submissions + 1,
                submitted_by=actor.email,
                sending_at=None,
                error="",
            ),
        )
        if moved:
            _log(session, actor.email, dispute_id, "shop.dispute.evidence_requested", "")
    return bool(moved)


def send_evidence(session: Session, providers: dict[str, PaymentProvider], dispute_id: int) -> str:
    """The job's body, safe to run twice or at once: the state afterwards. ProviderUnavailable rises
    (the job retries, with the same key); a refusal fails the dispute for staff to see."""
    if not _claim(session, dispute_id):
        return session.scalar(select(Dispute.state).where(Dispute.id == dispute_id)) or "missing"
    dispute = session.get_one(Dispute, dispute_id)  # claimed just now: it exists
    provider, reference = dispute.provider, dispute.reference
    evidence = DisputeEvidence(**json.loads(dispute.evidence))
    key = f"dispute-{dispute_id}-evidence-{dispute.submissions}"
    session.rollback()  # no transaction is held while the provider answers
    try:
        adapter = providers.get(provider)
        if adapter is None:
            raise ProviderRefused(f"{provider} is not configured any more")
        adapter.submit_dispute_evidence(reference, evidence, key)
    except ProviderRefused as exc:
        return finish(session, dispute_id, "failed", str(exc))
    except ProviderUnavailable:
        _release(session, dispute_id)
        raise
    return finish(session, dispute_id, "submitted")


def _claim(session: Session, dispute_id: int) -> bool:
    now = utcnow()
    stale = now - timedelta(seconds=CLAIM_SECONDS)
    with write_transaction(session):
        return bool(
            changed_rows(
                session,
                update(Dispute)
                .where(
                    Dispute.id == dispute_id,
                    Dispute.state == "submitting",
                    or_(Dispute.sending_at.is_(None), Dispute.sending_at < stale),
                )
                .values(sending_at=now),
            )
        )


def _release(session: Session, dispute_id: int) -> None:
    """The call did not get through: the next run (the job's retry) may claim it again."""
    with write_transaction(session):
        session.execute(update(Dispute).where(Dispute.id == dispute_id).values(sending_at=None))


def finish(session: Session, dispute_id: int, state: str, error: str = "") -> str:
    """`submitting` -> submitted | failed, once; the dispute's state afterwards."""
    values: dict = {"state": state, "error": error[:2000], "sending_at": None}
    if state == "submitted":
        values["submitted_at"] = utcnow()
    with write_transaction(session):
        moved = changed_rows(
            session, update(Dispute).where(Dispute.id == dispute_id, Dispute.state == "submitting").values(**values)
        )
        if moved:
            action = "shop.dispute.evidence_submitted" if state == "submitted" else "shop.dispute.evidence_failed"
            _log(session, SYSTEM, dispute_id, action, error)
            return state
        return session.scalar(select(Dispute.state).where(Dispute.id == dispute_id)) or "missing"


def _log(session: Session, actor: str, dispute_id: int, action: str, detail: str) -> None:
    order_id, provider, reference = session.execute(
        select(Dispute.order_id, Dispute.provider, Dispute.reference).where(Dispute.id == dispute_id)
    ).one()
    audit(session, actor, action, f"dispute:{dispute_id}", detail=detail[:2000])
    log_order(session, order_id, action, f"{provider} {reference} {detail}".strip())
