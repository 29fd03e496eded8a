"""Staff dispute pages: the open chargebacks, each one's evidence file, and its submission on one
click (owners). The click freezes the evidence and queues the job after the commit; any number of
clicks, by any number of staff, reach the provider once (payments.dispute_submission)."""

from __future__ import annotations

import json

from flask import abort, current_app, flash, g, redirect, render_template, url_for
from flask_babel import gettext

from app.core.db import utcnow
from app.core.extensions import db
from app.core.shop_profile import shop_profile
from app.web.admin import bp, owner_required, staff_required
from delivery.queues import enqueue_dispute_evidence
from feedback.disputes.evidence import evidence_file
from feedback.disputes.writing import written_evidence
from payments.base import DisputeEvidence
from payments.dispute_submission import SUBMITTABLE, ask_to_submit
from payments.disputes import due_soon, recent_disputes
from payments.models import Dispute


@bp.get("/disputes")
@staff_required
def dispute_list():
    return render_template("admin/disputes.html", disputes=recent_disputes(db.session), now=utcnow(), due_soon=due_soon)


@bp.get("/disputes/<int:dispute_id>")
@staff_required
def dispute(dispute_id: int):
    found = evidence_file(db.session, current_app.extensions["keyshop.keyring"], dispute_id) or abort(404)
    sent = found.dispute.state not in SUBMITTABLE and found.dispute.evidence
    evidence = DisputeEvidence(**json.loads(sent)) if sent else written_evidence(found, shop_profile().name)
    return render_template(
        "admin/dispute.html", found=found, evidence=evidence, submittable=found.dispute.state in SUBMITTABLE
    )


@bp.post("/disputes/<int:dispute_id>/submit")
@owner_required
def submit_dispute(dispute_id: int):
    """Written now, from what the database holds now; a dispute already on its way is sent again by
    its job (harmless: one run calls the provider, with the same key), which recovers a lost job."""
    found = evidence_file(db.session, current_app.extensions["keyshop.keyring"], dispute_id) or abort(404)
    evidence = written_evidence(found, shop_profile().name)
    db.session.rollback()
    asked = ask_to_submit(db.session, g.actor, dispute_id, evidence)
    state = db.session.get(Dispute, dispute_id).state
    db.session.rollback()
    if state == "submitting":
        enqueue_dispute_evidence(dispute_id)  # after ask_to_submit's commit
    flash(_said(asked, state))
    return redirect(url_for("admin.dispute", dispute_id=dispute_id))


def _said(asked: bool, state: str) -> str:
    if asked:
        return gettext("Evidence on its way to the provider.")
    if state == "submitting":
        return gettext("This evidence is already on its way; its job was sent again.")
    return gettext("Nothing sent: this dispute is %(state)s.", state=state)
