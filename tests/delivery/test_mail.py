"""Delivery mail through a real SMTP server on loopback, sent once per order and kind."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from app.core.db import utcnow
from app.core.extensions import db
from delivery.fulfil import fulfil
from delivery.mail.drain import recover_stalled_mail
from delivery.mail.log import MailLog
from delivery.mail.pace import PAUSED
from tests.shop import make_product, place, sandbox_webhook, stock, unique_codes, wait_for_status


def _pay(app, client, placed, amount):
    headers, body = sandbox_webhook(app, placed.number, amount)
    assert client.post("/webhooks/sandbox", data=body, headers=headers).status_code == 200


def _delivered_in_process(app, client):
    stock(app, make_product(app, "card"), unique_codes(10))  # above the low-stock threshold: one mail
    placed = place(app, "card")
    _pay(app, client, placed, 999)
    with app.app_context():
        assert fulfil(db.session, placed.order_id) == "delivered"
        db.session.remove()
    return placed


def _drain(app) -> int:
    """The drain job's body, in this process: how many mails it sent."""
    from delivery.jobs import send_owed_mail

    with app.app_context():
        sent = send_owed_mail()
        db.session.remove()
    return sent


def _body(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def test_paid_order_mails_its_code_once(smtp, app, client, worker):
    product_id = make_product(app, "card", price="3.00")
    codes = unique_codes(10)  # above the low-stock threshold: the buyer's mail is the only one
    stock(app, product_id, codes)
    placed = place(app, "card", email="mia@example.com")
    _pay(app, client, placed, 300)
    assert wait_for_status(app, placed.order_id, "delivered") == "delivered"

    [message] = smtp.wait_for(1)
    assert message["To"] == "mia@example.com"
    assert placed.number in message["Subject"]
    assert codes[0] in _body(message)
    assert f"/o/{placed.token}" in _body(message)
    assert message.get_body(preferencelist=("html",)) is not None

    assert _drain(app) == 0  # a drain run again (a retry, a duplicate) sends nothing more
    assert len(smtp.messages) == 1


def test_temporary_smtp_refusal_is_recorded_and_the_retry_sends_after_its_wait(smtp, app, client):
    placed = _delivered_in_process(app, client)
    smtp.inbox.refuse = True
    assert _drain(app) == 0
    with app.app_context():
        log = db.session.scalar(select(MailLog).where(MailLog.order_id == placed.order_id))
        assert (log.status, log.attempts) == ("pending", 1) and "451" in log.last_error
        assert log.due_at > utcnow()  # owed again, after a wait
        db.session.remove()
    assert not app.extensions["keyshop.redis"].exists(PAUSED)  # the server answered: other mail goes on
    smtp.inbox.refuse = False
    assert _drain(app) == 0  # not due yet
    _make_due(app)
    assert _drain(app) == 1
    with app.app_context():
        assert db.session.scalar(select(MailLog.attempts).where(MailLog.order_id == placed.order_id)) == 2
        db.session.remove()
    assert len(smtp.messages) == 1


def test_a_mail_refused_every_time_is_failed_once_its_waits_are_spent(smtp, app, client):
    from delivery.mail.log import RETRY_AFTER_SECONDS

    _delivered_in_process(app, client)
    smtp.inbox.refuse = True
    for _ in RETRY_AFTER_SECONDS:
        _drain(app)
        _make_due(app)
    assert _drain(app) == 0
    with app.app_context():
        status, attempts, error = db.session.execute(select(MailLog.status, MailLog.attempts, MailLog.last_error)).one()
        db.session.remove()
    assert (status, attempts) == ("failed", len(RETRY_AFTER_SECONDS) + 1) and "gave up" in error


def test_an_unreachable_server_pauses_inline_sending_for_every_worker_and_the_drain_retries_on_its_waits(
    app, client, shop_env
):
    from delivery.mail.pace import mail_now

    placed = _delivered_in_process(app, client)
    app.config["KEYSHOP"] = replace(app.config["KEYSHOP"], smtp_url=f"smtp://127.0.0.1:{_closed_port()}?tls=none")
    assert _drain(app) == 0
    redis = app.extensions["keyshop.redis"]
    assert 0 < redis.ttl(PAUSED) <= 60
    with app.app_context():
        assert not mail_now()  # the next delivery owes its mail to the drain instead of trying
        status, error = db.session.execute(
            select(MailLog.status, MailLog.last_error).where(MailLog.order_id == placed.order_id)
        ).one()
        db.session.remove()
    assert status == "pending" and "ConnectionRefusedError" in error
    _make_due(app)
    assert _drain(app) == 0  # the drain retries once the mail's own wait is over, the pause aside
    with app.app_context():
        attempts, due = db.session.execute(select(MailLog.attempts, MailLog.due_at)).one()
        db.session.remove()
    assert attempts == 2 and due > utcnow()  # and waits longer before the next try


def _closed_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _make_due(app) -> None:
    with app.app_context():
        db.session.execute(update(MailLog).values(due_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
        db.session.remove()


def test_without_smtp_mail_lands_in_the_outbox(app, client, worker, shop_env):
    product_id = make_product(app, "card")
    codes = unique_codes(10)
    stock(app, product_id, codes)
    placed = place(app, "card")
    _pay(app, client, placed, 999)
    assert wait_for_status(app, placed.order_id, "delivered") == "delivered"
    outbox = app.config["KEYSHOP"].instance / "outbox"
    deadline = time.monotonic() + 10
    while not list(outbox.glob("*.eml")) and time.monotonic() < deadline:
        time.sleep(0.05)
    [mail] = list(outbox.glob("*.eml"))
    assert codes[0] in mail.read_text()


@pytest.mark.parametrize(
    "accept, subject, greeting",
    [
        ("zh-CN,zh;q=0.9", "的卡密", "感谢您的订单"),
        ("de-DE", "Ihr Code zur Bestellung", "Danke für Ihre Bestellung"),
        ("fr-FR", "Your code for order", "Thank you for your order"),  # not offered: English
    ],
)
def test_the_mail_speaks_the_language_the_order_was_placed_in(smtp, app, client, accept, subject, greeting):
    product_id = make_product(app, "card")
    stock(app, product_id, unique_codes(1))
    created = client.post(
        "/api/v1/orders",
        headers={"Accept-Language": accept},
        json={"product": "card", "email": "lang@example.com", "method": "sandbox"},
    ).json
    with app.app_context():
        from app.core.models import Order

        order = db.session.scalar(select(Order).where(Order.number == created["number"]))
        order_id = order.id
        db.session.remove()
    headers, body = sandbox_webhook(app, created["number"], 999)
    client.post("/webhooks/sandbox", data=body, headers=headers)
    with app.app_context():
        assert fulfil(db.session, order_id) == "delivered"
        db.session.remove()
    assert _drain(app) == 1
    smtp.wait_for(1)
    [message] = smtp.messages
    assert subject in message["Subject"] and greeting in _body(message)
    html = message.get_body(preferencelist=("html",)).get_content()
    assert greeting in html and 'lang="' in html


def test_the_delivering_job_mails_at_once_when_nobody_else_waits(smtp, app, client):
    from delivery.jobs import fulfil_order

    product_id = make_product(app, "card")
    stock(app, product_id, unique_codes(1))
    placed = place(app, "card")
    _pay(app, client, placed, 999)  # enqueues a delivery job that no worker takes here
    app.extensions["keyshop.redis"].delete("rq:queue:delivery")
    with app.app_context():
        assert fulfil_order(placed.order_id) == "delivered"
        # sent by the delivering job before it returned: no drain has run
        assert db.session.scalar(select(MailLog.status).where(MailLog.key.like("order:%"))) == "sent"
        db.session.remove()
    assert len(smtp.wait_for(1)) == 1


def test_a_mail_left_sending_by_a_dead_worker_is_owed_again_and_sent_by_the_drain(smtp, app, client, worker):
    placed = _delivered_in_process(app, client)
    with app.app_context():
        # What a worker killed between claiming the mail and finishing it leaves behind:
        db.session.execute(
            update(MailLog).values(status="sending", attempts=1, claimed_at=utcnow() - timedelta(minutes=3))
        )
        db.session.commit()
        assert recover_stalled_mail(db.session) == 0  # three minutes: maybe still sending
        db.session.execute(update(MailLog).values(claimed_at=utcnow() - timedelta(minutes=11)))
        db.session.commit()
        assert recover_stalled_mail(db.session) == 1
        db.session.remove()
    [message] = smtp.wait_for(1)
    assert placed.number in message["Subject"]
    assert _mail_log_when_settled(app) == ("sent", 2)


def _mail_log_when_settled(app, seconds: float = 10):
    deadline = time.monotonic() + seconds
    while True:
        with app.app_context():
            row = tuple(db.session.execute(select(MailLog.status, MailLog.attempts)).one())
            db.session.remove()
        if row[0] != "sending" or time.monotonic() > deadline:
            return row
        time.sleep(0.05)
