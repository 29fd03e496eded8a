"""The owner is told once per crossing of the low-stock threshold."""

from __future__ import annotations

from app.core.extensions import db
from app.core.staff import create_staff
from delivery.fulfil import run_fulfilment
from tests.shop import make_product, place, sandbox_webhook, stock, unique_codes


def _deliver(app, client):
    placed = place(app, "card")
    headers, body = sandbox_webhook(app, placed.number, 999)
    assert client.post("/webhooks/sandbox", data=body, headers=headers).status_code == 200
    with app.app_context():
        fulfilment = run_fulfilment(db.session, placed.order_id)
        db.session.remove()
    assert fulfilment.outcome == "delivered"
    return fulfilment.low_stock_alert


def test_one_alert_per_crossing(app, client):
    with app.app_context():
        create_staff(db.session, "owner@example.com", "a long owner password")
    product_id = make_product(app, "card")  # threshold 5
    stock(app, product_id, unique_codes(7))
    assert _deliver(app, client) is None  # 6 left
    assert _deliver(app, client) == 1  # 5 left: crossed
    assert _deliver(app, client) is None  # 4 left: already told
    stock(app, product_id, unique_codes(3), name="refill")  # 7 left: re-armed
    assert _deliver(app, client) is None  # 6
    assert _deliver(app, client) == 2  # 5: the second crossing
