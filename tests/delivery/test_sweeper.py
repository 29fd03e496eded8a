"""The database is the truth: the sweeper finds paid orders whose job was lost, and waiting orders."""

from __future__ import annotations

import time
from datetime import timedelta

from rq import Queue

from app.core.db import utcnow
from app.core.extensions import db
from app.core.models import Order
from delivery.fulfil import fulfil
from delivery.queues import head_enqueued_at
from delivery.sweeper import stuck_orders, sweep
from tests.shop import make_product, place, sandbox_webhook, stock, unique_codes, wait_for_status


def _pay(app, client, placed, amount=999):
    headers, body = sandbox_webhook(app, placed.number, amount)
    assert client.post("/webhooks/sandbox", data=body, headers=headers).status_code == 200


def _paid_in_stock(app, client):
    """A paid order of a product with a code in stock, its delivery job queued (no worker runs)."""
    stock(app, make_product(app, "card"), unique_codes(1))
    placed = place(app, "card")
    _pay(app, client, placed)
    return placed


def test_a_paid_order_whose_job_was_lost_is_delivered_after_a_sweep(app, client, redis_server):
    placed = _paid_in_stock(app, client)
    redis_server.flush()  # Redis restarted without persistence: the job is gone
    time.sleep(1.1)  # KEYSHOP_SWEEP_AFTER is 1 s in the tests
    with app.app_context():
        assert stuck_orders(db.session, 1) == [placed.order_id]
        db.session.rollback()
        assert sweep(db.session, 1) == 1
        assert Queue("delivery", connection=app.extensions["keyshop.redis"]).count == 1
        db.session.remove()


def test_a_fresh_paid_order_is_left_to_its_own_job(app, client):
    _paid_in_stock(app, client)
    with app.app_context():
        assert stuck_orders(db.session, 60) == []
        db.session.remove()


def test_a_paid_order_whose_job_waits_behind_a_backlog_is_not_enqueued_again(app, client):
    """No worker runs: the order's job waits in the queue longer than KEYSHOP_SWEEP_AFTER, as it
    does behind a backlog. A second job would only find the order delivered."""
    _paid_in_stock(app, client)
    time.sleep(1.1)
    delivery = Queue("delivery", connection=app.extensions["keyshop.redis"])
    with app.app_context():
        assert sweep(db.session, 1) == 0
        assert delivery.count == 1
        db.session.remove()


def test_a_paid_order_older_than_the_queue_head_is_stuck(app, client):
    """Its job was taken before the job now at the head: if it is still paid, the job was lost."""
    placed = _paid_in_stock(app, client)
    with app.app_context():
        paid_at = db.session.scalar(db.select(Order.paid_at).where(Order.id == placed.order_id))
        head = head_enqueued_at("delivery")
        assert head is not None and paid_at <= head <= utcnow()
        assert stuck_orders(db.session, 0, head) == []  # within the clocks' skew of its own job
        assert stuck_orders(db.session, 0, paid_at + timedelta(seconds=6)) == [placed.order_id]
        db.session.remove()


def test_an_empty_queue_has_no_head(app):
    with app.app_context():
        assert head_enqueued_at("delivery") is None


def test_waiting_orders_are_fulfilled_when_a_batch_arrives(app, client, runner, worker, tmp_path):
    make_product(app, "card")
    first, second = place(app, "card"), place(app, "card")
    _pay(app, client, first)
    _pay(app, client, second)
    assert wait_for_status(app, first.order_id, "awaiting_stock") == "awaiting_stock"
    assert wait_for_status(app, second.order_id, "awaiting_stock") == "awaiting_stock"

    batch = tmp_path / "batch.txt"
    batch.write_text("\n".join(unique_codes(2)) + "\n")
    result = runner("codes", "import", "card", str(batch))
    assert "2 waiting order(s) sent to delivery" in result.output
    assert wait_for_status(app, first.order_id, "delivered") == "delivered"
    assert wait_for_status(app, second.order_id, "delivered") == "delivered"


def test_a_waiting_order_is_not_swept_while_its_product_has_no_stock(app, client):
    make_product(app, "card")
    placed = place(app, "card")
    _pay(app, client, placed)
    with app.app_context():
        assert fulfil(db.session, placed.order_id) == "awaiting_stock"
        assert stuck_orders(db.session, 0) == []
        db.session.remove()
