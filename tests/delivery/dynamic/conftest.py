"""A dynamic product pointed at a loopback seller, and its jobs run in the test's own process."""

from __future__ import annotations

import pytest

from app.core.audit import Actor
from app.core.extensions import db
from delivery.dynamic.sources import use_seller_url
from tests.fakes.seller import SellerEndpoint
from tests.shop import make_product, sandbox_webhook

OWNER = Actor("owner@shop.test", "owner")


@pytest.fixture
def seller():
    server = SellerEndpoint()
    yield server
    server.stop()


def dynamic_product(app, seller: SellerEndpoint, slug: str = "gift-card", price: str = "5.00") -> int:
    """A product whose codes come from `seller`, which is given the signing secret shown to the owner."""
    product_id = make_product(app, slug, price=price)
    with app.app_context():
        seller.secret = use_seller_url(db.session, app.extensions["keyshop.keyring"], OWNER, product_id, seller.url)
        db.session.remove()
    return product_id


def pay(app, client, number: str, amount: int) -> None:
    headers, body = sandbox_webhook(app, number, amount)
    assert client.post("/webhooks/sandbox", data=body, headers=headers).status_code == 200


def run_job(app, name: str, order_id: int) -> str:
    """A delivery job as the worker runs it (no RQ job around it: as on its last try)."""
    import delivery.jobs

    with app.app_context():
        try:
            return getattr(delivery.jobs, name)(order_id)
        finally:
            db.session.remove()


def order_codes(app, order_id: int) -> list[str]:
    """The codes bound to the order, opened as its page opens them."""
    from keystore.reveal import codes_of_order

    with app.app_context():
        codes = codes_of_order(db.session, app.extensions["keyshop.keyring"], order_id)
        db.session.remove()
    return codes
