"""What may be refunded, checked and recorded in one transaction that holds under concurrency: the
agents' limit bounds an order's refunds in total, and refunded never exceeds paid."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from app.core.audit import Actor
from app.core.extensions import db
from app.core.shop_settings import change_setting
from payments import refunds
from payments.models import Refund
from tests.shop import make_product, place, sandbox_webhook

AGENT, OWNER = Actor("agent@shop.test", "agent"), Actor("owner@shop.test", "owner")


def _paid_order(app, client, price="20.00") -> int:
    make_product(app, price=price)
    placed = place(app, "card")
    headers, body = sandbox_webhook(app, placed.number, int(price.replace(".", "")))
    assert client.post("/webhooks/sandbox", data=body, headers=headers).status_code == 200
    return placed.order_id


def _agent_limit(app, minor: int) -> None:
    with app.app_context():
        change_setting(db.session, OWNER, "agent_refund_limit_minor", str(minor))
        db.session.remove()


def _request(app, actor, order_id, amount, key):
    with app.app_context():
        try:
            return refunds.request_refund(db.session, actor, order_id, amount, key=key, reason="test")
        finally:
            db.session.remove()


def _open_total(app, order_id) -> int:
    with app.app_context():
        total = db.session.scalar(
            select(func.coalesce(func.sum(Refund.amount_minor), 0)).where(
                Refund.order_id == order_id, Refund.status.in_(refunds.OPEN)
            )
        )
        db.session.remove()
        return total


def _at_once(count: int, work) -> list:
    """`work(n)` in `count` threads released together; each result, or the exception it raised."""
    results, start = [None] * count, threading.Barrier(count)

    def run(n):
        start.wait()
        try:
            results[n] = work(n)
        except Exception as exc:
            results[n] = exc

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_an_agent_limit_bounds_the_order_in_total_not_each_refund(app, client):
    order_id = _paid_order(app, client)
    _agent_limit(app, 1000)
    assert _request(app, AGENT, order_id, 500, "a")[1] and _request(app, AGENT, order_id, 500, "b")[1]
    with pytest.raises(refunds.RefundError, match=r"amount: .*at most 1000 .*per order.*1000 already"):
        _request(app, AGENT, order_id, 500, "c")
    assert _request(app, OWNER, order_id, 1000, "owner")[1]  # an owner may refund the rest
    assert _open_total(app, order_id) == 2000


def test_agents_refunding_at_once_stay_within_the_limit(app, client):
    order_id = _paid_order(app, client)
    _agent_limit(app, 1000)

    results = _at_once(4, lambda n: _request(app, AGENT, order_id, 500, f"agent-{n}"))

    assert sum(isinstance(r, tuple) for r in results) == 2, results
    assert all(isinstance(r, refunds.RefundError) for r in results if not isinstance(r, tuple)), results
    assert _open_total(app, order_id) == 1000


def test_two_whole_refunds_at_once_record_one(app, client):
    order_id = _paid_order(app, client)

    results = _at_once(6, lambda n: _request(app, OWNER, order_id, 2000, f"whole-{n}"))

    assert sum(isinstance(r, tuple) for r in results) == 1, results
    assert _open_total(app, order_id) == 2000


def test_a_failed_refund_sent_again_cannot_take_refunds_past_what_was_paid(app, client):
    order_id = _paid_order(app, client)
    failed_id, _ = _request(app, OWNER, order_id, 2000, "first")
    with app.app_context():
        assert refunds.settle(db.session, failed_id, "failed", error="card closed") == "failed"
        db.session.remove()
    _request(app, OWNER, order_id, 2000, "second")  # the whole amount is refundable again

    with app.app_context():
        with pytest.raises(refunds.RefundError, match="amount"):
            refunds.retry(db.session, OWNER, failed_id)
        db.session.remove()

    assert _open_total(app, order_id) == 2000


def test_an_agent_retry_counts_against_the_agent_limit(app, client):
    order_id = _paid_order(app, client)
    failed_id, _ = _request(app, OWNER, order_id, 1500, "owner-big")
    with app.app_context():
        refunds.settle(db.session, failed_id, "failed", error="refused")
        db.session.remove()
    _agent_limit(app, 1000)
    with app.app_context():
        with pytest.raises(refunds.RefundError, match="at most 1000"):
            refunds.retry(db.session, AGENT, failed_id)
        assert refunds.retry(db.session, OWNER, failed_id) is True
        db.session.remove()
    assert _open_total(app, order_id) == 1500
