"""Each event is told, once, to the staff subscribed to it and to nobody else, through the real SMTP
server: the owner on the defaults (every event but new paid orders), an agent who chose the event,
and an agent on the defaults (nothing)."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import select, text, update

from app.core.audit import audit
from app.core.db import utcnow, write_transaction
from app.core.extensions import db
from app.core.staff import Staff
from delivery.backorders import expire_backorders
from delivery.fulfil import fulfil, run_fulfilment
from delivery.jobs import fulfil_order
from delivery.mail.log import MailLog, owe, owe_failed_again
from delivery.notifications.tell import tell
from feedback.jobs import decide_report
from feedback.owner_mail import owe_hold_mail
from feedback.support.conversations import Opening, open_conversation
from feedback.support.deadlines import notify_overdue
from payments.registry import providers
from tests.delivery.notifications.staff import OWNER, TOLD, addressed, team
from tests.feedback.aftersale import codes_of, delivered, report_of, report_via_page
from tests.mail import drain_now, mail_rows
from tests.shop import make_product, place, sandbox_webhook, set_product, stock, unique_codes

BOTH = {OWNER, TOLD}


def _paid(app, client) -> int:
    placed = place(app, "card")
    headers, body = sandbox_webhook(app, placed.number, 999)
    assert client.post("/webhooks/sandbox", data=body, headers=headers).status_code == 200
    return placed.order_id


def _waiting(app, client) -> int:
    order_id = _paid(app, client)
    with app.app_context():
        assert fulfil(db.session, order_id) == "awaiting_stock"
        assert fulfil(db.session, order_id) == "awaiting_stock"  # the hook runs twice
        db.session.remove()
    return order_id


def test_an_order_waiting_for_stock(smtp, app, client):
    team(app, "order.awaiting_stock")
    make_product(app)
    _waiting(app, client)
    drain_now(app)
    assert len(mail_rows(app, "event:order.awaiting_stock:%")) == 1
    assert addressed(smtp, "Waiting for stock") == [BOTH]


def test_an_automatic_refund(smtp, app, client):
    team(app, "refund.automatic")
    make_product(app)
    _waiting(app, client)
    time.sleep(1.1)
    with app.app_context():
        assert expire_backorders(db.session, providers(), 1) == 1
        assert expire_backorders(db.session, providers(), 1) == 0
        db.session.remove()
    drain_now(app)
    assert addressed(smtp, "Refunded automatically") == [BOTH]


_REFUSE = {
    "sqlite": [
        """CREATE TRIGGER refuse_delivery BEFORE INSERT ON order_events WHEN NEW.action = 'shop.order.delivered'
        BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"""
    ],
    "postgresql": [
        """CREATE FUNCTION refuse_delivery() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
        IF NEW.action = 'shop.order.delivered' THEN RAISE EXCEPTION 'refused by the test'; END IF;
        RETURN NEW; END $$""",
        "CREATE TRIGGER refuse_delivery BEFORE INSERT ON order_events FOR EACH ROW EXECUTE FUNCTION refuse_delivery()",
    ],
}


_LIFT = {
    "sqlite": ["DROP TRIGGER IF EXISTS refuse_delivery"],
    "postgresql": [
        "DROP TRIGGER IF EXISTS refuse_delivery ON order_events",
        "DROP FUNCTION IF EXISTS refuse_delivery()",
    ],
}


@pytest.fixture
def refused_delivery(app, backend):
    """The database refuses to record a delivery; lifted after the test (PostgreSQL's database is shared)."""
    yield lambda: _run(app, _REFUSE[backend])
    _run(app, _LIFT[backend])


def _run(app, statements: list[str]) -> None:
    with app.app_context(), db.engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))


def test_a_failed_delivery(smtp, app, client, refused_delivery):
    team(app, "delivery.failed")
    stock(app, make_product(app), unique_codes(2))
    order_id = _paid(app, client)
    refused_delivery()
    with app.app_context():
        for _ in range(2):
            with pytest.raises(Exception, match="refused by the test"):
                fulfil_order(order_id)
            db.session.remove()
    drain_now(app)
    assert list(mail_rows(app, "event:delivery.failed:%")) == [f"event:delivery.failed:{order_id}"]
    assert addressed(smtp, "Delivery failed") == [BOTH]


def _set_active(app, active: bool) -> None:
    with app.app_context():
        db.session.execute(update(Staff).values(active=active))
        db.session.commit()
        db.session.remove()


def _owe(app, key: str) -> None:
    with app.app_context(), write_transaction(db.session):
        owe(db.session, key, "support")


def test_a_failed_mail_and_never_a_failed_notification(smtp, app):
    team(app, "mail.failed")
    with app.app_context(), write_transaction(db.session):
        tell(db.session, "mail.failed", "nobody", mail="x", error="y")
    _set_active(app, False)  # nobody left to tell: the notification fails, and its failure is not told
    drain_now(app), drain_now(app)
    _set_active(app, True)
    _owe(app, "conversation:999999:opened")  # about a conversation that is gone: it fails
    drain_now(app), drain_now(app)
    with app.app_context():
        failed_id = db.session.scalar(select(MailLog.id).where(MailLog.key == "conversation:999999:opened"))
        db.session.rollback()
        assert owe_failed_again(db.session, failed_id)  # "Send again": it fails again, told no second time
        db.session.remove()
    drain_now(app), drain_now(app)
    assert mail_rows(app, "event:mail.failed:%") == {
        "event:mail.failed:nobody": "failed",
        "event:mail.failed:conversation:999999:opened": "sent",
    }
    assert addressed(smtp, "Mail failed") == [BOTH]


def test_low_stock(smtp, app, client):
    team(app, "stock.low")
    product_id = make_product(app)  # threshold 5
    stock(app, product_id, unique_codes(7))
    for _ in range(3):  # 6, 5 (crossed), 4 left
        order_id = _paid(app, client)
        with app.app_context():
            run_fulfilment(db.session, order_id)
            db.session.remove()
    drain_now(app)
    assert addressed(smtp, "Low stock") == [BOTH]


def test_a_held_report(smtp, app, client):
    team(app, "report.held")
    product_id = make_product(app)
    set_product(app, product_id, report_policy="hold")
    stock(app, product_id, unique_codes(3))
    placed = delivered(app, client)
    [(code_id, _state)] = codes_of(app, placed.order_id)
    assert report_via_page(client, placed.token, code_id).status_code in (200, 302, 303)
    report_id = report_of(app, code_id).id
    with app.app_context():
        assert decide_report(report_id) == "held"
        assert decide_report(report_id) == "skipped"
        db.session.remove()
    drain_now(app)
    assert addressed(smtp, "Report held") == [BOTH]


def test_a_batch_on_hold(smtp, app):
    team(app, "batch.held")
    stock(app, make_product(app), unique_codes(2), name="suspect")
    with app.app_context():
        batch_id = db.session.scalar(text("SELECT id FROM batches WHERE name = 'suspect'"))
        db.session.rollback()
        with write_transaction(db.session):
            audit(db.session, "system", "keystore.batch.quarantined", f"batch:{batch_id}")
            assert owe_hold_mail(db.session, batch_id) == "owed"
        with write_transaction(db.session):
            assert owe_hold_mail(db.session, batch_id) == ""  # the same hold: told once
        db.session.remove()
    drain_now(app)
    assert addressed(smtp, "Batch on hold") == [BOTH]


def test_an_overdue_conversation(smtp, app):
    team(app, "conversation.overdue")
    start = utcnow() - timedelta(hours=100)
    with app.app_context():
        deadlines = {"presale": 48, "problem": 48, "service": 24}
        open_conversation(db.session, deadlines, Opening("b@example.com", "invoice", "help"), now=start)
        db.session.rollback()
        assert notify_overdue(db.session) == 1
        assert notify_overdue(db.session) == 0
        db.session.remove()
    drain_now(app)
    assert addressed(smtp, "Overdue") == [BOTH]
