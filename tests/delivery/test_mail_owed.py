"""Mail owed by a delivery is recorded with it; a busy worker leaves it to one drain job."""

from __future__ import annotations

import time

from rq import Queue
from sqlalchemy import select

from app.core.extensions import db
from delivery.fulfil import fulfil
from delivery.jobs import fulfil_order, send_owed_mail
from delivery.mail.log import MailLog
from delivery.sweeper import sweep_all
from tests.shop import make_product, pay_orders, stock, unique_codes


def _paid(app, client, count: int, codes: int) -> list[int]:
    stock(app, make_product(app, "card"), unique_codes(codes))
    return pay_orders(app, client, count)


def _mail_log(app) -> dict[str, str]:
    with app.app_context():
        rows = db.session.execute(select(MailLog.key, MailLog.status).where(MailLog.kind != "low_stock")).all()
        db.session.remove()
    return dict(rows)


def _notify_jobs(app) -> list[str]:
    return [job.func_name for job in Queue("notify", connection=app.extensions["keyshop.redis"]).jobs]


def test_the_delivering_transaction_records_the_mail_it_owes_and_a_failed_claim_records_none(app, client):
    delivered, waiting = _paid(app, client, 2, codes=1)
    with app.app_context():
        assert fulfil(db.session, delivered) == "delivered"
        assert fulfil(db.session, waiting) == "awaiting_stock"  # its claim rolled back, mail and all
        assert fulfil(db.session, waiting) == "awaiting_stock"  # run twice: still one record
        db.session.remove()
    assert _mail_log(app) == {f"order:{delivered}:delivered": "pending", f"order:{waiting}:awaiting_stock": "pending"}


def test_while_buyers_wait_for_codes_one_drain_job_sends_every_owed_mail_once(smtp, app, client):
    order_ids = _paid(app, client, 3, codes=10)  # the webhooks queued three delivery jobs
    with app.app_context():
        for order_id in order_ids:
            assert fulfil_order(order_id) == "delivered"  # each sees deliveries still queued
            db.session.remove()
    assert smtp.messages == [] and _notify_jobs(app).count("delivery.jobs.send_owed_mail") == 1
    assert set(_mail_log(app).values()) == {"pending"}

    Queue("delivery", connection=app.extensions["keyshop.redis"]).empty()  # a worker took those jobs
    with app.app_context():
        assert send_owed_mail() == 3
        assert send_owed_mail() == 0  # run twice: nothing more
        db.session.remove()
    assert sorted(message["To"] for message in smtp.messages) == ["b0@example.com", "b1@example.com", "b2@example.com"]
    assert set(_mail_log(app).values()) == {"sent"}


def test_a_drain_sends_one_batch_and_queues_the_next_behind_the_deliveries(
    smtp, app, client, redis_server, monkeypatch
):
    monkeypatch.setattr("delivery.mail.drain.BATCH", 2)
    order_ids = _paid(app, client, 3, codes=10)
    with app.app_context():
        for order_id in order_ids:
            fulfil_order(order_id)
            db.session.remove()
    redis_server.flush()
    with app.app_context():
        assert send_owed_mail() == 2
        assert _notify_jobs(app) == ["delivery.jobs.send_owed_mail"]
        assert send_owed_mail() == 1
        db.session.remove()
    assert len(smtp.messages) == 3 and set(_mail_log(app).values()) == {"sent"}


def test_a_drain_gives_way_to_a_queued_delivery_after_the_mail_in_hand(smtp, app, client):
    order_ids = _paid(app, client, 3, codes=10)
    with app.app_context():
        for order_id in order_ids[:2]:
            fulfil_order(order_id)  # the third order's delivery job is still queued
            db.session.remove()
        Queue("notify", connection=app.extensions["keyshop.redis"]).empty()  # a worker took the drain job
        assert send_owed_mail() == 1
        db.session.remove()
    assert [message["To"] for message in smtp.messages] == ["b0@example.com"]
    assert _mail_log(app) == {f"order:{order_ids[0]}:delivered": "sent", f"order:{order_ids[1]}:delivered": "pending"}
    assert _notify_jobs(app) == ["delivery.jobs.send_owed_mail"]  # the next drain, behind the delivery

    Queue("delivery", connection=app.extensions["keyshop.redis"]).empty()
    with app.app_context():
        assert send_owed_mail() == 1
        db.session.remove()
    assert set(_mail_log(app).values()) == {"sent"}


def test_owed_mail_whose_drain_was_lost_with_redis_is_drained_after_a_sweep(smtp, app, client, redis_server):
    [order_id, other] = _paid(app, client, 2, codes=10)
    with app.app_context():
        assert fulfil_order(order_id) == "delivered"
        db.session.remove()
    redis_server.flush()  # Redis restarted without persistence: the drain job and its flag are gone
    time.sleep(1.1)  # KEYSHOP_SWEEP_AFTER is 1 s in the tests
    with app.app_context():
        sweep_all(db.session, app.config["KEYSHOP"], app.extensions["keyshop.providers"])
        db.session.remove()
    assert "delivery.jobs.send_owed_mail" in _notify_jobs(app)
    with app.app_context():
        assert send_owed_mail() == 1
        db.session.remove()
    assert [message["To"] for message in smtp.messages] == ["b0@example.com"] and other


def test_the_drain_owes_a_refused_mail_again_after_a_wait_and_goes_on_with_the_next(smtp, app, client):
    order_ids = _paid(app, client, 2, codes=10)
    with app.app_context():
        for order_id in order_ids:
            fulfil_order(order_id)
            db.session.remove()
    app.extensions["keyshop.redis"].delete("rq:queue:delivery")  # nobody waits for codes: the drain takes all
    smtp.inbox.refuse = True
    with app.app_context():
        assert send_owed_mail() == 0
        rows = db.session.execute(select(MailLog.status, MailLog.attempts, MailLog.due_at)).all()
        db.session.remove()
    assert [(status, attempts) for status, attempts, _ in rows] == [("pending", 1), ("pending", 1)]
    assert all(due is not None for *_, due in rows)  # each waits before its next attempt
    assert set(_notify_jobs(app)) <= {"delivery.jobs.send_owed_mail"}  # no job per mail
