"""Guards against abuse: the blocklist, purchase limits, checkout rate limits, agents' refund limit."""

from __future__ import annotations

from sqlalchemy import select

from app.core.audit import Actor
from app.core.extensions import db
from app.core.models import Order
from payments import refunds
from tests.feedback.aftersale import delivered, staff, staff_post
from tests.shop import make_product, sandbox_webhook, set_product, stock, unique_codes


def _order(client, email="buyer@example.com", address="198.51.100.20", quantity=1):
    return client.post(
        "/api/v1/orders",
        environ_base={"REMOTE_ADDR": address},
        json={"product": "card", "quantity": quantity, "email": email, "method": "sandbox"},
    )


def test_blocked_emails_and_networks_cannot_order_until_unblocked(app, client):
    make_product(app, "card")
    owner = app.test_client()
    staff(app, owner, "owner@shop.test", role="owner")
    staff_post(owner, "/admin/blocks", kind="email", value="Fraud@Example.com", reason="chargebacks")
    staff_post(owner, "/admin/blocks", kind="network", value="203.0.113.0/24", reason="card testing")
    refused = _order(client, email="fraud@example.com")
    assert refused.status_code == 403 and refused.json["error"]["field"] == "email"
    assert _order(client, address="203.0.113.77").status_code == 403
    assert _order(client, address="203.0.114.1").status_code == 201
    bad = staff_post(owner, "/admin/blocks", kind="network", value="not a network", reason="x", follow_redirects=True)
    assert "is not an email address, a domain like @example.com or a network" in bad.get_data(as_text=True)
    with app.app_context():
        from app.core.abuse import Block

        block_id = db.session.scalar(db.select(Block.id).where(Block.kind == "email"))
        db.session.remove()
    staff_post(owner, f"/admin/blocks/{block_id}/remove")
    assert _order(client, email="fraud@example.com").status_code == 201
    agent = app.test_client()
    staff(app, agent)
    assert agent.get("/admin/blocks").status_code == 403


def test_a_domain_entry_blocks_the_domain_and_an_address_entry_its_plus_addresses(app, client):
    make_product(app, "card")
    owner = app.test_client()
    staff(app, owner, "owner@shop.test", role="owner")
    staff_post(owner, "/admin/blocks", kind="email", value="Mule@Shop.test", reason="resells")
    staff_post(owner, "/admin/blocks", kind="email", value="Throwaway.example", reason="disposable")
    staff_post(owner, "/admin/blocks", kind="email", value="@Junk.example", reason="disposable")
    listed = owner.get("/admin/blocks").get_data(as_text=True)
    assert "<code>@throwaway.example</code>" in listed and "<code>@junk.example</code>" in listed
    for refused in ("mule+1@shop.test", "MULE+Sale@SHOP.TEST", "x@throwaway.example", "Y@mail.Junk.example"):
        assert _order(client, email=refused).status_code == 403, refused
    for allowed in ("mule2@shop.test", "other@shop.test", "x@notthrowaway.example", "x@junk.example.org"):
        assert _order(client, email=allowed).status_code == 201, allowed
    bad = staff_post(owner, "/admin/blocks", kind="email", value="nodot", reason="x", follow_redirects=True)
    assert "Not blocked: email: &#39;nodot&#39; is not an email address" in bad.get_data(as_text=True)


def _pay(app, client, placed, amount: int) -> str:
    headers, body = sandbox_webhook(app, placed.json["number"], amount)
    client.post("/webhooks/sandbox", data=body, headers=headers)
    return client.get(f"/api/v1/orders/{placed.json['token']}").json["status"]


def test_only_paid_orders_count_toward_a_buyers_daily_limit(app, client):
    product_id = make_product(app, "card")
    set_product(app, product_id, daily_limit_per_buyer=3)
    unpaid = [_order(client, quantity=2) for _ in range(3)]  # left at the provider's page: none counts
    assert [placed.status_code for placed in unpaid] == [201] * 3
    assert _pay(app, client, unpaid[0], 2 * 999) == "paid"
    over = _order(client, email="BUYER@example.com", quantity=2)
    assert (
        over.status_code == 422
        and "at most 3 of this product per buyer a day (2 ordered)" in over.json["error"]["message"]
    )
    assert _order(client, quantity=1).status_code == 201
    assert _order(client, email="someone.else@example.com", quantity=3).status_code == 201
    # Paying an older unpaid order anyway would go over: held for staff to refund, never delivered.
    assert _pay(app, client, unpaid[1], 2 * 999) == "review"
    with app.app_context():
        reason = db.session.scalar(select(Order.review_reason).where(Order.number == unpaid[1].json["number"]))
        db.session.remove()
    assert reason == "over the daily limit of 3 per buyer (2 already paid in 24 hours)"


def test_checkouts_are_rate_limited_per_address(app, client):
    make_product(app, "card")
    statuses = [_order(client, email=f"b{n}@example.com").status_code for n in range(31)]
    assert statuses[:30] == [201] * 30 and statuses[30] == 429
    assert _order(client, address="198.51.100.99").status_code == 201


def test_agents_refund_up_to_the_limit_the_owner_sets(app, client):
    product_id = make_product(app, "card", price="9.99")
    stock(app, product_id, unique_codes(1))
    placed = delivered(app, client)
    owner = app.test_client()
    staff(app, owner, "owner@shop.test", role="owner")
    staff_post(owner, "/admin/settings/agent-refund-limit", limit="500")
    agent, boss = Actor("agent@shop.test", "agent"), Actor("owner@shop.test", "owner")
    with app.app_context():
        try:
            refunds.request_refund(db.session, agent, placed.order_id, 999, key="agent-1")
        except refunds.RefundError as exc:
            assert "an agent refunds at most 500" in str(exc)
        else:
            raise AssertionError("an agent refunded more than the limit")
        assert refunds.request_refund(db.session, agent, placed.order_id, 500, key="agent-2")[1] is True
        assert refunds.request_refund(db.session, boss, placed.order_id, 499, key="owner-1")[1] is True
        db.session.remove()
