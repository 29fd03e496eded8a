"""A decision's mail to the buyer is owed in the deciding transaction: Redis down at that moment
loses nothing, the drain (or the sweeper's) sends it."""

from __future__ import annotations

import pytest
from redis import Redis
from sqlalchemy import select

from app.core.audit import Actor
from app.core.extensions import db
from delivery.jobs import send_owed_mail
from delivery.mail.log import MailLog
from feedback import decisions
from feedback.reports import report_code
from tests.feedback.aftersale import codes_of, delivered
from tests.processes import free_port
from tests.shop import make_product, set_product, stock, unique_codes

OWNER = Actor("owner@shop.test", "owner")


def _held_report(app, client) -> int:
    product_id = make_product(app, "card")
    stock(app, product_id, unique_codes(10))
    set_product(app, product_id, report_policy="hold")
    placed = delivered(app, client)
    [(code_id, _)] = codes_of(app, placed.order_id)
    with app.app_context():
        report_id = report_code(db.session, placed.order_id, code_id, "already_used")
        db.session.remove()
    app.extensions["keyshop.redis"].flushdb()  # no worker in this test: its queued jobs go unused
    return report_id


@pytest.mark.parametrize("decision", ["replace", "reject"])
def test_a_decision_taken_while_redis_is_down_still_mails_the_buyer(smtp, app, client, decision):
    report_id = _held_report(app, client)
    real = app.extensions["keyshop.redis"]
    app.extensions["keyshop.redis"] = Redis(port=free_port(), socket_connect_timeout=0.2)
    try:
        with app.app_context():
            if decision == "replace":
                decisions.replace_reported(db.session, OWNER, report_id)
            else:
                decisions.reject_report(db.session, OWNER, report_id, "it works: type it without spaces")
            db.session.remove()
    finally:
        app.extensions["keyshop.redis"] = real
    kind = f"{'replaced' if decision == 'replace' else 'report_rejected'}:{report_id}"
    ours = (MailLog.kind == kind) | MailLog.kind.startswith(kind + ":")  # "replaced:<report>:<new code>"
    with app.app_context():
        assert db.session.scalar(select(MailLog.status).where(ours)) == "pending"
        db.session.rollback()
        send_owed_mail()
        assert db.session.scalar(select(MailLog.status).where(ours)) == "sent"
        db.session.remove()
    assert len(smtp.wait_for(2)) == 2  # the delivery's mail, and the decision's
