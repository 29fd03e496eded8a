"""The buyer's refund mail is an outbox row: owed in the mail log before anything is enqueued, and
owed by the sweeper when the job that moved the money died before it could record it."""

from __future__ import annotations

from redis import Redis
from sqlalchemy import select

from app.core.audit import Actor
from app.core.extensions import db
from delivery.jobs import mail_refund, send_owed_mail
from delivery.mail.log import MailLog
from delivery.mail.refunds import sweep_refund_mail
from payments import refunds
from payments.registry import providers
from tests.feedback.aftersale import delivered
from tests.processes import free_port
from tests.shop import make_product, stock, unique_codes

OWNER = Actor("owner@shop.test", "owner")


def _refund_moved(app, client) -> int:
    """A whole refund carried out at the provider; its job 'dies' before it mails the buyer."""
    stock(app, make_product(app, "card"), unique_codes(10))
    placed = delivered(app, client)
    with app.app_context():
        refund_id, _ = refunds.request_refund(db.session, OWNER, placed.order_id, 999, key="mail-test")
        assert refunds.carry_out(db.session, providers(), refund_id) == "succeeded"
        db.session.remove()
    app.extensions["keyshop.redis"].flushdb()  # no worker here: the webhook's delivery job goes unused
    return refund_id


def _mail_states(app) -> list[tuple[str, str]]:
    with app.app_context():
        rows = db.session.execute(select(MailLog.kind, MailLog.status).where(MailLog.kind.like("refunded:%"))).all()
        db.session.remove()
    return [tuple(row) for row in rows]


def _drain(app) -> int:
    with app.app_context():
        return send_owed_mail()


def test_a_refund_mail_its_job_never_recorded_is_owed_by_the_sweeper_and_sent(smtp, app, client):
    refund_id = _refund_moved(app, client)
    assert _mail_states(app) == []
    with app.app_context():
        assert sweep_refund_mail(db.session, 0) == 1
        assert sweep_refund_mail(db.session, 0) == 0  # owed once, however often it sweeps
    assert _mail_states(app) == [(f"refunded:{refund_id}", "pending")]
    assert _drain(app) == 2  # the delivery's mail, owed by the in-process delivery, and the refund's
    [mail] = [m for m in smtp.wait_for(2) if "refund" in m["Subject"].lower()]
    assert mail["To"] == "buyer@example.com"
    assert _mail_states(app) == [(f"refunded:{refund_id}", "sent")]


def test_with_redis_down_the_refund_mail_is_still_recorded_as_owed(smtp, app, client):
    refund_id = _refund_moved(app, client)
    real = app.extensions["keyshop.redis"]
    app.extensions["keyshop.redis"] = Redis(port=free_port(), socket_connect_timeout=0.2)
    try:
        with app.app_context():
            assert mail_refund(refund_id) is False  # no drain could be queued ...
    finally:
        app.extensions["keyshop.redis"] = real
    assert _mail_states(app) == [(f"refunded:{refund_id}", "pending")]  # ... but the mail is owed
    assert _drain(app) == 2
    assert _mail_states(app) == [(f"refunded:{refund_id}", "sent")]


def test_no_mail_is_owed_for_a_refund_whose_money_has_not_moved(app, client):
    stock(app, make_product(app, "card"), unique_codes(1))
    placed = delivered(app, client)
    with app.app_context():
        refund_id, _ = refunds.request_refund(db.session, OWNER, placed.order_id, 999, key="not-yet")
        assert mail_refund(refund_id) is False
        assert sweep_refund_mail(db.session, 0) == 0
    assert _mail_states(app) == []
