"""Reveal, quarantine, revoke, release and export: owner-only where it matters, audited, at once."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.exc import DatabaseError

from app.core.audit import Actor, AuditEntry, NotAllowed
from app.core.extensions import db
from delivery.fulfil import fulfil
from keystore.models import Code
from keystore.staff_actions import ActionError, export_unsold, move_batch, move_code, reveal_code
from keystore.stock import stock_by_batch
from tests.shop import make_product, order_status, place, sandbox_webhook, stock, unique_codes

OWNER = Actor("olga@shop.test", "owner")
AGENT = Actor("arno@shop.test", "agent")


def _audit(app) -> list[tuple[str, str, str, str]]:
    """The staff actions on codes and batches (the test's own stocking, audited too, left out)."""
    with app.app_context():
        rows = db.session.execute(
            select(AuditEntry.actor, AuditEntry.action, AuditEntry.target, AuditEntry.reason)
            .where(AuditEntry.action != "keystore.batch.imported")
            .order_by(AuditEntry.id)
        ).all()
        db.session.remove()
        return [tuple(row) for row in rows]


def _code_ids(app) -> list[int]:
    with app.app_context():
        ids = list(db.session.scalars(select(Code.id).order_by(Code.id)))
        db.session.remove()
        return ids


def _paid_order(app, client):
    placed = place(app, "card")
    headers, body = sandbox_webhook(app, placed.number, 999)
    assert client.post("/webhooks/sandbox", data=body, headers=headers).status_code == 200
    return placed


def _fulfil(app, order_id) -> str:
    with app.app_context():
        outcome = fulfil(db.session, order_id)
        db.session.remove()
        return outcome


def test_an_owner_reveals_a_code_and_the_reveal_is_recorded(app):
    product_id = make_product(app)
    codes = unique_codes(2)
    stock(app, product_id, codes)
    first = _code_ids(app)[0]
    with app.app_context():
        assert reveal_code(db.session, app.extensions["keyshop.keyring"], OWNER, first, "buyer ticket 41") == codes[0]
    assert _audit(app) == [("olga@shop.test", "keystore.code.revealed", f"code:{first}", "buyer ticket 41")]


def test_an_agent_may_not_reveal_and_nothing_is_recorded(app):
    product_id = make_product(app)
    stock(app, product_id, unique_codes(1))
    with app.app_context(), pytest.raises(NotAllowed):
        reveal_code(db.session, app.extensions["keyshop.keyring"], AGENT, _code_ids(app)[0], "curious")
    assert _audit(app) == []


def test_a_reveal_needs_a_reason(app):
    product_id = make_product(app)
    stock(app, product_id, unique_codes(1))
    with app.app_context(), pytest.raises(ActionError, match="reason"):
        reveal_code(db.session, app.extensions["keyshop.keyring"], OWNER, _code_ids(app)[0], "  ")
    assert _audit(app) == []


def test_a_quarantined_batch_stops_selling_at_once_and_a_release_resumes(app, client):
    product_id = make_product(app)
    result = stock(app, product_id, unique_codes(3))
    with app.app_context():
        assert move_batch(db.session, AGENT, result.batch_id, "quarantine", "supplier says bad") == 3
    placed = _paid_order(app, client)

    assert _fulfil(app, placed.order_id) == "awaiting_stock"
    with app.app_context():
        assert move_batch(db.session, OWNER, result.batch_id, "release") == 3
    assert _fulfil(app, placed.order_id) == "delivered"
    assert [row[1] for row in _audit(app)] == ["keystore.batch.quarantined", "keystore.batch.available"]


def test_a_quarantined_code_is_skipped_and_a_revoked_one_never_returns(app, client):
    product_id = make_product(app)
    codes = unique_codes(3)
    stock(app, product_id, codes)
    first, second, third = _code_ids(app)
    with app.app_context():
        assert move_code(db.session, OWNER, first, "quarantine")
        assert move_code(db.session, OWNER, second, "revoke")
        assert not move_code(db.session, OWNER, second, "release")  # revoked is final
    placed = _paid_order(app, client)
    assert _fulfil(app, placed.order_id) == "delivered"
    with app.app_context():
        assert db.session.scalar(select(Code.id).where(Code.order_id == placed.order_id)) == third
        db.session.remove()


def test_a_sold_code_cannot_be_quarantined(app, client):
    product_id = make_product(app)
    stock(app, product_id, unique_codes(1))
    placed = _paid_order(app, client)
    _fulfil(app, placed.order_id)
    with app.app_context():
        assert not move_code(db.session, OWNER, _code_ids(app)[0], "quarantine")
    assert order_status(app, placed.order_id) == "delivered"


def test_an_unknown_move_is_refused_by_name(app):
    with app.app_context(), pytest.raises(ActionError, match="quarantine, revoke, release"):
        move_code(db.session, OWNER, 1, "delete")


def test_an_owner_exports_the_unsold_codes_of_a_batch_audited(app, client):
    product_id = make_product(app)
    codes = unique_codes(4)
    result = stock(app, product_id, codes)
    placed = _paid_order(app, client)
    _fulfil(app, placed.order_id)  # the first code is sold
    ids = _code_ids(app)
    with app.app_context():
        move_code(db.session, OWNER, ids[1], "quarantine")
        move_code(db.session, OWNER, ids[2], "revoke")
        exported = export_unsold(db.session, app.extensions["keyshop.keyring"], OWNER, result.batch_id, "move shop")

    assert exported == [codes[1], codes[3]]
    assert _audit(app)[-1] == ("olga@shop.test", "keystore.batch.exported", f"batch:{result.batch_id}", "move shop")
    with app.app_context(), pytest.raises(NotAllowed):
        export_unsold(db.session, app.extensions["keyshop.keyring"], AGENT, result.batch_id, "")


def test_batch_counts_follow_every_move(app, client):
    product_id = make_product(app)
    result = stock(app, product_id, unique_codes(5))
    placed = _paid_order(app, client)
    _fulfil(app, placed.order_id)
    ids = _code_ids(app)
    with app.app_context():
        move_code(db.session, OWNER, ids[1], "quarantine")
        move_code(db.session, OWNER, ids[2], "revoke")
        [row] = stock_by_batch(db.session, product_id)
        db.session.remove()
    assert row.id == result.batch_id
    assert row.counts == {"delivered": 1, "quarantined": 1, "revoked": 1, "available": 2}


def test_the_audit_log_cannot_be_rewritten(app):
    with app.app_context():
        from app.core.audit import audit

        audit(db.session, "cli", "keystore.batch.exported", "batch:1", reason="test")
        db.session.commit()
        for statement in (update(AuditEntry).values(reason="nothing to see"), delete(AuditEntry)):
            with pytest.raises(DatabaseError, match="append-only"):
                db.session.execute(statement)
                db.session.commit()
            db.session.rollback()
        assert db.session.scalar(select(AuditEntry.reason)) == "test"
        db.session.remove()
