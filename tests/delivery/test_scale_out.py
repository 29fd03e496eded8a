"""Scale-out on PostgreSQL: 2 web processes and 4 workers, 500 orders paid at once against 375
codes. Bounded: it gives up after a few minutes and stops every process it started."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import func, select

from app.core.extensions import db
from app.core.models import Order
from delivery.backorders import release_waiting_orders
from keystore.models import Code
from tests.processes import LiveServer, WorkerProcess
from tests.shop import make_product, place, sandbox_webhook, stock, unique_codes

pytestmark = pytest.mark.slow
ORDERS, CODES = 500, 375  # the race is as hard as with 1,000 (16 senders, 4 workers), in half the time


def _statuses(app) -> dict[str, int]:
    with app.app_context():
        rows = db.session.execute(select(Order.status, func.count()).group_by(Order.status)).all()
        db.session.remove()
        return dict(rows)


def _until(app, wanted: dict, seconds: float) -> dict:
    deadline = time.monotonic() + seconds
    while (found := _statuses(app)) != wanted and time.monotonic() < deadline:
        time.sleep(0.5)
    return found


def test_five_hundred_orders_on_four_workers_sell_each_code_once(app, shop_env, backend):
    if backend != "postgresql":
        pytest.skip("scale-out is a PostgreSQL setup; SQLite serves one machine with few writers")
    product_id = make_product(app)
    stock(app, product_id, unique_codes(CODES))
    orders = [place(app, "card", email=f"s{n}@example.com") for n in range(ORDERS)]
    webhooks = [sandbox_webhook(app, placed.number, 999) for placed in orders]

    web = LiveServer(shop_env, workers=2)
    workers = [WorkerProcess(shop_env, queues="delivery") for _ in range(3)] + [WorkerProcess(shop_env)]
    try:
        with ThreadPoolExecutor(max_workers=16) as pool, requests.Session() as http:
            answers = list(
                pool.map(
                    lambda hb: (
                        http.post(f"{web.url}/webhooks/sandbox", data=hb[1], headers=hb[0], timeout=30).status_code
                    ),
                    webhooks,
                )
            )
        assert answers.count(200) == ORDERS
        found = _until(app, {"delivered": CODES, "awaiting_stock": ORDERS - CODES}, 180)
        assert found == {"delivered": CODES, "awaiting_stock": ORDERS - CODES}, workers[0].log()[-2000:]

        stock(app, product_id, unique_codes(ORDERS - CODES, prefix="MORE"), name="refill")
        with app.app_context():
            release_waiting_orders(db.session, product_id)
            db.session.remove()
        assert _until(app, {"delivered": ORDERS}, 120) == {"delivered": ORDERS}
    finally:
        web.stop()
        for worker in workers:
            worker.stop()
    with app.app_context():
        owners = db.session.execute(
            select(Code.order_id, func.count()).where(Code.order_id.is_not(None)).group_by(Code.order_id)
        ).all()
        db.session.remove()
    assert len(owners) == ORDERS and {count for _, count in owners} == {1}
