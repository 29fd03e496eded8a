"""The mail log's state machine: what the sweeper and staff hand back to the drain, and what they do not."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from app.core.db import utcnow
from app.core.extensions import db
from delivery.mail.drain import recover_stalled_mail
from delivery.mail.log import MailLog, owe_failed_again
from delivery.mail.pace import DRAIN_QUEUED
from tests.feedback.aftersale import delivered
from tests.shop import make_product, stock, unique_codes


def _rows(app) -> dict[str, tuple[str, int]]:
    with app.app_context():
        rows = db.session.execute(select(MailLog.key, MailLog.status, MailLog.attempts)).all()
        db.session.remove()
    return {key: (status, attempts) for key, status, attempts in rows}


def test_every_stalled_mail_is_owed_to_the_drain_again(app, client):
    stock(app, make_product(app, "card"), unique_codes(10))  # above the low-stock threshold: one mail
    order_id = delivered(app, client).order_id
    with app.app_context():
        db.session.add(MailLog(key="conversation:1:opened", kind="support", status="sending"))
        db.session.execute(update(MailLog).values(status="sending", claimed_at=utcnow() - timedelta(minutes=11)))
        db.session.commit()
        app.extensions["keyshop.redis"].delete(DRAIN_QUEUED)
        assert recover_stalled_mail(db.session) == 2
        db.session.remove()
    rows = _rows(app)
    assert rows[f"order:{order_id}:delivered"][0] == "pending"  # the drain composes it again
    assert rows["conversation:1:opened"][0] == "pending"  # every kind: the drain composes them all
    assert app.extensions["keyshop.redis"].get(DRAIN_QUEUED)  # and the drain was asked for


def test_send_again_owes_a_failed_mail_once(app, client):
    stock(app, make_product(app, "card"), unique_codes(10))  # above the low-stock threshold: one mail
    delivered(app, client)
    with app.app_context():
        db.session.add(MailLog(key="notice:1", kind="notice", status="failed"))
        db.session.execute(update(MailLog).values(status="failed"))
        db.session.commit()
        ids = dict(db.session.execute(select(MailLog.key, MailLog.id)).all())
        notice = ids.pop("notice:1")
        [order_mail] = ids.values()
        db.session.rollback()  # as a request starts: no transaction open
        assert owe_failed_again(db.session, order_mail) and not owe_failed_again(db.session, order_mail)
        assert owe_failed_again(db.session, notice)  # every kind: the drain composes them all
        db.session.remove()
    assert sorted(status for status, _ in _rows(app).values()) == ["pending", "pending"]
