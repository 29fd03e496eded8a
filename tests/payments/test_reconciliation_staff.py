"""Staff's "check with the provider now" on the admin order page, and /metrics counting the orders
recovered by asking."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.core.api_tokens import create_token
from app.core.audit import AuditEntry
from app.core.extensions import db
from tests.feedback.aftersale import staff, staff_post
from tests.payments.conftest import stripe_env
from tests.payments.reconciliation import actions, place_order, the_order
from tests.shop import in_app, make_product


@pytest.fixture
def shop_env(shop_env, fake_stripe):
    return {**shop_env, **stripe_env(fake_stripe)}


def _recovered(app, client) -> float | None:
    secret = in_app(app, lambda: create_token(db.session, "prometheus", ["stock"], created_by="cli"))
    text = client.get("/metrics", headers={"Authorization": f"Bearer {secret}"}).get_data(as_text=True)
    found = re.search(r'^keyshop_orders_recovered_total\{provider="stripe"\} (\S+)$', text, re.MULTILINE)
    return float(found.group(1)) if found else None


def test_staff_check_with_the_provider_now_and_a_paid_order_is_recovered_and_counted(app, client, fake_stripe):
    make_product(app)
    order = place_order(client, "stripe")
    staff(app, client, "agent@shop.test", role="agent")
    path = f"/admin/orders/{order['number']}"
    assert "Check with the provider now" in client.get(path).get_data(as_text=True)

    unpaid = staff_post(client, path + "/check-provider", follow_redirects=True).get_data(as_text=True)
    assert "stripe: pending" in unpaid and the_order(app, order["number"]).status == "pending"
    assert _recovered(app, client) is None

    fake_stripe.pay(order["payment"]["url"].rsplit("/", 1)[1])
    paid = staff_post(client, path + "/check-provider", follow_redirects=True).get_data(as_text=True)
    assert "stripe: paid" in paid
    recovered = the_order(app, order["number"])
    assert recovered.status == "paid" and "shop.payment.reconciled" in actions(app, recovered.id)
    assert _recovered(app, client) == 1
    staff_post(client, path + "/check-provider")  # asked again: the same payment, recovered once
    assert _recovered(app, client) == 1 and actions(app, recovered.id).count("shop.order.paid") == 1
    audited = in_app(
        app, lambda: list(db.session.scalars(select(AuditEntry.action).where(AuditEntry.actor == "agent@shop.test")))
    )
    assert audited.count("payments.reconciliation.checked") == 3


@pytest.mark.parametrize(
    "number, status",
    [
        ("KS-NOSUCH1", 404),
        ("KS-%00NUL", 400),
        ("%ED%A0%80", 404),  # a lone surrogate, UTF-8 encoded: decoded as U+FFFD, which names no order
        ("9" * 400, 404),
    ],
)
def test_hostile_or_unknown_orders_are_answered_4xx(app, client, number, status):
    staff(app, client, "owner@shop.test", role="owner")
    assert staff_post(client, f"/admin/orders/{number}/check-provider").status_code == status


def test_the_check_needs_the_form_s_csrf_token(app, client):
    make_product(app)
    order = place_order(client, "stripe")
    staff(app, client, "owner@shop.test", role="owner")
    assert client.post(f"/admin/orders/{order['number']}/check-provider").status_code == 400
