"""Delivery mail through a real SMTP server on loopback, sent once per order and kind."""

from __future__ import annotations

import smtplib
import time
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from app.core.db import utcnow
from app.core.extensions import db
from delivery.fulfil import fulfil
from delivery.mail.drain import recover_stalled_mail
from delivery.mail.log import MailLog
from delivery.mail.order_mail import send_order_mail
from tests.shop import make_product, place, sandbox_webhook, stock, unique_codes, wait_for_status


def _pay(app, client, placed, amount):
    headers, body = sandbox_webhook(app, placed.number, amount)
    assert client.post("/webhooks/sandbox", data=body, headers=headers).status_code == 200


def _delivered_in_process(app, client):
    stock(app, make_product(app, "card"), unique_codes(1))
    placed = place(app, "card")
    _pay(app, client, placed, 999)
    with app.app_context():
        assert fulfil(db.session, placed.order_id) == "delivered"
        db.session.remove()
    return placed


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

    with app.app_context():  # the job run again (a retry, a duplicate) sends nothing more
        assert (
            send_order_mail(
                db.session, app.config["KEYSHOP"], app.extensions["keyshop.keyring"], placed.order_id, "delivered"
            )
            == "skipped"
        )
        db.session.remove()
    assert len(smtp.messages) == 1


def test_temporary_smtp_refusal_is_recorded_and_the_retry_sends(smtp, app, client):
    placed = _delivered_in_process(app, client)
    smtp.inbox.refuse = True
    settings, keyring = app.config["KEYSHOP"], app.extensions["keyshop.keyring"]
    with app.app_context():
        with pytest.raises(smtplib.SMTPDataError):
            send_order_mail(db.session, settings, keyring, placed.order_id, "delivered")
        log = db.session.scalar(select(MailLog).where(MailLog.order_id == placed.order_id))
        assert log.status == "failed" and "451" in log.last_error
        db.session.remove()
    smtp.inbox.refuse = False
    with app.app_context():
        assert send_order_mail(db.session, settings, keyring, placed.order_id, "delivered") == "sent"
        assert db.session.scalar(select(MailLog.attempts).where(MailLog.order_id == placed.order_id)) == 2
        db.session.remove()
    assert len(smtp.messages) == 1


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
    settings, keyring = app.config["KEYSHOP"], app.extensions["keyshop.keyring"]
    with app.app_context():
        assert fulfil(db.session, order_id) == "delivered"
        assert send_order_mail(db.session, settings, keyring, order_id, "delivered") == "sent"
        db.session.remove()
    smtp.wait_for(1)
    [message] = smtp.messages
    assert subject in message["Subject"] and greeting in _body(message)
    html = message.get_body(preferencelist=("html",)).get_content()
    assert greeting in html and 'lang="' in html


def _buyer_mail_jobs(app) -> list:
    from rq import Queue

    jobs = Queue("notify", connection=app.extensions["keyshop.redis"]).jobs
    return [job for job in jobs if job.func_name == "delivery.jobs.send_one_order_mail"]  # not the low-stock alert


def test_the_delivering_job_mails_at_once_when_nobody_else_waits(smtp, app, client):
    from delivery.jobs import fulfil_order

    product_id = make_product(app, "card")
    stock(app, product_id, unique_codes(1))
    placed = place(app, "card")
    _pay(app, client, placed, 999)  # enqueues a delivery job that no worker takes here
    app.extensions["keyshop.redis"].delete("rq:queue:delivery")
    with app.app_context():
        assert fulfil_order(placed.order_id) == "delivered"
        db.session.remove()
    assert len(smtp.wait_for(1)) == 1 and _buyer_mail_jobs(app) == []


def test_a_mail_left_sending_by_a_dead_worker_is_marked_failed_and_sent_by_the_retry(smtp, app, client, worker):
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
