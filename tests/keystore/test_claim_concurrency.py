"""No code is ever given to two orders, whatever runs at once (SQLite and PostgreSQL)."""

from __future__ import annotations

import queue
import threading

from sqlalchemy import func, select, text, update

from app.core.extensions import db
from app.core.models import Order
from delivery.fulfil import fulfil
from keystore.claim import claim_codes
from keystore.models import Code
from tests.shop import make_product, place, sandbox_webhook, stock, unique_codes

WORKERS = 8


def _pay_all(app, client, orders, amount=999):
    for placed in orders:
        headers, body = sandbox_webhook(app, placed.number, amount)
        assert client.post("/webhooks/sandbox", data=body, headers=headers).status_code == 200


def _fulfil_concurrently(app, order_ids) -> tuple[dict[int, str], list[BaseException]]:
    work, outcomes, errors = queue.Queue(), {}, []
    for order_id in order_ids:
        work.put(order_id)
    start = threading.Barrier(WORKERS)

    def run():
        start.wait()
        with app.app_context():
            try:
                while True:
                    try:
                        order_id = work.get_nowait()
                    except queue.Empty:
                        return
                    outcomes[order_id] = fulfil(db.session, order_id)
            except BaseException as exc:  # reported by the test: "database is locked" would be one
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes, errors


def _count(app, query) -> int:
    with app.app_context():
        value = db.session.scalar(query)
        db.session.remove()
        return value


def _assert_no_code_twice(app, delivered_orders: int):
    with app.app_context():
        owners = db.session.execute(
            select(Code.order_id, func.count()).where(Code.order_id.is_not(None)).group_by(Code.order_id)
        ).all()
        assert len(owners) == delivered_orders and all(count == 1 for _, count in owners)
        statuses = db.session.execute(select(Code.status, func.count()).group_by(Code.status)).all()
        db.session.remove()
    return dict(statuses)


def test_200_paid_orders_race_for_150_codes(app, client):
    product_id = make_product(app, "card")
    stock(app, product_id, unique_codes(150))
    orders = [place(app, "card", email=f"b{n}@example.com") for n in range(200)]
    _pay_all(app, client, orders)

    outcomes, errors = _fulfil_concurrently(app, [o.order_id for o in orders])
    assert errors == []
    assert sorted(outcomes.values()).count("delivered") == 150
    assert sorted(outcomes.values()).count("awaiting_stock") == 50
    assert _count(app, select(func.count()).where(Order.status == "delivered")) == 150
    assert _count(app, select(func.count()).where(Order.status == "awaiting_stock")) == 50
    assert _assert_no_code_twice(app, 150) == {"delivered": 150}

    stock(app, product_id, unique_codes(50, prefix="MORE"), name="refill")
    waiting = [o.order_id for o in orders if outcomes[o.order_id] == "awaiting_stock"]
    outcomes, errors = _fulfil_concurrently(app, waiting)
    assert errors == [] and set(outcomes.values()) == {"delivered"}
    assert _assert_no_code_twice(app, 200) == {"delivered": 200}


def test_an_order_is_filled_whole_or_not_at_all(app, client):
    product_id = make_product(app, "card")
    stock(app, product_id, unique_codes(2))
    placed = place(app, "card", quantity=3)
    _pay_all(app, client, [placed], amount=3 * 999)
    with app.app_context():
        assert fulfil(db.session, placed.order_id) == "awaiting_stock"
        db.session.remove()
    assert _count(app, select(func.count()).where(Code.status == "available")) == 2


def test_only_available_codes_are_ever_claimed(app, client):
    product_id = make_product(app, "card")
    stock(app, product_id, unique_codes(6))
    with app.app_context():
        ids = list(db.session.scalars(select(Code.id).order_by(Code.id)))
        for code_id, status in zip(ids, ("reported", "quarantined", "revoked", "invalid", "staged")):
            db.session.execute(update(Code).where(Code.id == code_id).values(status=status))
        db.session.commit()
        placed = place(app, "card")
        assert claim_codes(db.session, product_id=product_id, order_id=placed.order_id, quantity=6) == [ids[5]]
        db.session.rollback()
        db.session.remove()


def test_a_claim_takes_exactly_its_quantity_when_statistics_are_stale(app, backend):
    """PostgreSQL planned `id IN (… LIMIT … FOR UPDATE SKIP LOCKED)` as a rescanned nested loop when
    its statistics said no code was available (as after a large import's ANALYZE), and claimed none."""
    product_id = make_product(app, "card")
    stock(app, product_id, unique_codes(3000))
    with app.app_context():
        db.session.execute(update(Code).values(status="staged"))
        db.session.commit()
        if backend == "postgresql":
            db.session.execute(text("ANALYZE codes"))
        db.session.execute(update(Code).values(status="available"))
        db.session.commit()
        for quantity in (1, 3):
            placed = place(app, "card", quantity=quantity)
            claimed = claim_codes(db.session, product_id=product_id, order_id=placed.order_id, quantity=quantity)
            db.session.commit()
            assert len(claimed) == quantity
        db.session.remove()
