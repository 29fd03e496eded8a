"""Where a product's codes come from, as an owner sets it: the seller's URL (sealed, shown back only as
a hint) and a signing secret shown once on the page that made it; back to stock; a new secret. Each
change audited; an agent may not; hostile or wrong input is refused with a 4xx and changes nothing."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.core.audit import AuditEntry
from app.core.extensions import db
from app.core.models import Product
from app.core.staff import create_staff
from delivery.dynamic.models import DynamicSource
from tests.shop import csrf_from, make_product, sign_in

PASSWORD = "a long staff password"
URL = "https://seller.example/keyshop/codes?token=very-secret-token"


@pytest.fixture
def owner(app, client) -> int:
    with app.app_context():
        create_staff(db.session, "owner@shop.test", PASSWORD)
        create_staff(db.session, "agent@shop.test", PASSWORD, role="agent")
        db.session.remove()
    sign_in(client, "owner@shop.test", PASSWORD)
    return make_product(app, "gift-card")


def _post(client, product_id: int, path: str = "delivery", **form):
    token = csrf_from(client, f"/admin/products/{product_id}")
    return client.post(f"/admin/products/{product_id}/{path}", data={"csrf_token": token, **form})


def _state(app, product_id: int):
    with app.app_context():
        delivery = db.session.scalar(select(Product.delivery).where(Product.id == product_id))
        source = db.session.get(DynamicSource, product_id)
        row = (source.url_sealed, source.secret_sealed, source.url_hint) if source else None
        actions = list(
            db.session.scalars(
                select(AuditEntry.action).where(AuditEntry.action.like("shop.product.%")).order_by(AuditEntry.id)
            )
        )
        db.session.remove()
    return delivery, row, actions


def _secret(page: str) -> str:
    return re.search(r'id="signing-secret">(whsec_[A-Za-z0-9+/=]+)<', page).group(1)


def test_owner_sets_the_sellers_url_and_sees_the_secret_once(app, client, owner):
    answer = _post(client, owner, delivery="dynamic", url=URL)
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    secret = _secret(answer.get_data(as_text=True))
    delivery, (url_sealed, secret_sealed, hint), actions = _state(app, owner)
    assert delivery == "dynamic" and "shop.product.delivery_dynamic" in actions
    assert "very-secret-token" not in url_sealed and secret not in secret_sealed  # sealed, not stored plain
    page = client.get(f"/admin/products/{owner}").get_data(as_text=True)
    assert "very-secret-token" not in page and secret not in page and hint in page

    again = _post(client, owner, delivery="dynamic", url="")  # the URL kept, no new secret
    assert again.status_code == 302 and _state(app, owner)[1] == (url_sealed, secret_sealed, hint)
    renewed = _post(client, owner, "delivery/secret")
    assert renewed.status_code == 200 and _secret(renewed.get_data(as_text=True)) != secret
    assert _post(client, owner, delivery="stock").status_code == 302
    delivery, _row, actions = _state(app, owner)
    assert delivery == "stock"
    assert actions[-2:] == ["shop.product.dynamic_secret_renewed", "shop.product.delivery_stock"]


@pytest.mark.parametrize(
    "form",
    [
        {"delivery": "dynamic", "url": "ftp://seller.example/codes"},
        {"delivery": "dynamic", "url": "javascript:alert(1)"},
        {"delivery": "dynamic", "url": "https://"},
        {"delivery": "dynamic", "url": "https://seller.example:99999999/"},
        {"delivery": "dynamic", "url": "https://seller.example/a b"},
        {"delivery": "dynamic", "url": "https://seller.example/" + "a" * 2000},
        {"delivery": "dynamic", "url": "https://seller.example/\x00"},
        {"delivery": "dynamic", "url": ""},  # no URL was ever set
        {"delivery": "dynamic"},
        {"delivery": "somewhere", "url": URL},
        {"delivery": "\x00", "url": URL},
    ],
)
def test_wrong_or_hostile_input_is_refused_and_changes_nothing(app, client, owner, form):
    before = _state(app, owner)
    assert 400 <= _post(client, owner, **form).status_code < 500
    assert _state(app, owner) == before


def test_a_reusable_product_keeps_its_stock(app, client, owner):
    with app.app_context():
        db.session.execute(Product.__table__.update().values(reusable=True))
        db.session.commit()
        db.session.remove()
    assert _post(client, owner, delivery="dynamic", url=URL).status_code == 400


def test_an_agent_may_not(app, client, owner):
    client.post("/admin/logout", data={"csrf_token": csrf_from(client, "/admin/")})
    sign_in(client, "agent@shop.test", PASSWORD)
    token = csrf_from(client, "/admin/")
    answer = client.post(
        f"/admin/products/{owner}/delivery", data={"csrf_token": token, "delivery": "dynamic", "url": URL}
    )
    assert answer.status_code == 403 and _state(app, owner)[0] == "stock"
    assert client.post(f"/admin/products/{owner}/delivery/secret", data={"csrf_token": token}).status_code == 403


def test_secret_for_a_product_without_url_is_404(app, client, owner):
    assert _post(client, owner, "delivery/secret").status_code == 404
