"""A supplier's scorecard and claim, on a shop with two suppliers (tests/feedback/suppliers.py)."""

from __future__ import annotations

import csv
import io

import pytest
from flask import current_app
from sqlalchemy import select

from app.core.audit import CLI, Actor, AuditEntry, NotAllowed
from app.core.db import utcnow
from app.core.extensions import db
from feedback.supplier_claims import claim_csv
from feedback.suppliers import UnknownSupplier, scorecard
from tests.feedback.suppliers import FORMULA, JANUARY, two_suppliers


def test_each_supplier_has_its_own_figures(app, client):
    scene = two_suppliers(app, client)
    this_month = utcnow().strftime("%Y-%m")
    with app.app_context():
        acme, bolt = scorecard(db.session, "Acme"), scorecard(db.session, "Bolt")
        with pytest.raises(UnknownSupplier):
            scorecard(db.session, "Nobody")
        db.session.rollback()  # the reads done, as a view does before a write
        with pytest.raises(UnknownSupplier):
            claim_csv(db.session, current_app.extensions["keyshop.keyring"], CLI, "Nobody", None, None)
        db.session.remove()

    assert (acme.totals.delivered, acme.totals.reports) == (4, 3)
    assert [(m.key, m.delivered, m.reports) for m in acme.months] == [("2026-01", 1, 1), (this_month, 3, 2)]
    assert acme.batches == [(scene.acme_batch, "acme-1", True, None)]  # held at two buyers of four
    assert acme.replaced == 1 and acme.refunds == {"USD": (2, 1499)}

    assert (bolt.totals.delivered, bolt.totals.reports) == (3, 1)  # the replacement came from Bolt
    assert [(m.key, m.delivered, m.reports) for m in bolt.months] == [(this_month, 3, 1)]
    assert bolt.batches == [(scene.bolt_batch, "bolt-1", False, None)]
    assert bolt.replaced == 0 and bolt.refunds == {}  # its one report was rejected


def test_the_claim_lists_the_confirmed_bad_codes_with_their_evidence_safe_for_a_spreadsheet(app, client):
    scene = two_suppliers(app, client)
    with app.app_context():
        keyring = current_app.extensions["keyshop.keyring"]
        whole = _rows(claim_csv(db.session, keyring, CLI, "Acme", None, None, "credit note"))
        later = _rows(claim_csv(db.session, keyring, CLI, "Acme", JANUARY.replace(month=2), None))
        bolt = _rows(claim_csv(db.session, keyring, CLI, "Bolt", None, None))
        audits = db.session.execute(
            select(AuditEntry.actor, AuditEntry.target, AuditEntry.reason, AuditEntry.detail)
            .where(AuditEntry.action == "shop.supplier.claim_exported")
            .order_by(AuditEntry.id)
        ).all()
        db.session.remove()

    assert [(r["code"], r["order"], r["batch"], r["decision"]) for r in whole] == [
        (scene.acme_codes[n], scene.orders[n], "acme-1", decision)
        for n, decision in enumerate(("replaced", "refunded", "refunded"))
    ]
    assert whole[0]["buyer_text"] == "'" + FORMULA  # kept as text, never run as a formula
    assert whole[0]["reported_at"] == "2026-01-15T12:00:00" and whole[1]["buyer_text"] == "already redeemed"
    assert {r["reason"] for r in whole} == {"invalid"} and {r["decided_by"] for r in whole} == {"owner@shop.test"}
    assert [r["code"] for r in later] == scene.acme_codes[1:3]  # January's report left out
    assert bolt == []  # a rejected report is no claim
    assert audits[0] == ("cli", "supplier:Acme", "credit note", "3 code(s); reported from the start until now")
    assert [a[3][:9] for a in audits[1:]] == ["2 code(s)", "0 code(s)"]


def test_an_agent_may_not_take_a_claim(app):
    with app.app_context():
        with pytest.raises(NotAllowed):
            claim_csv(db.session, None, Actor("agent@shop.test", "agent"), "Acme", None, None)  # type: ignore[arg-type]
        assert db.session.scalar(select(AuditEntry.id)) is None
        db.session.remove()


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))
