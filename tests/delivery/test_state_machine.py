"""Random histories of a shop (hypothesis state machine): pay, the same webhook again, a failure after
the payment, lost jobs, worker runs, sweeps, refunds, stock arriving. Whatever the order of things,
no code is sold twice, each delivered order holds exactly its codes, and refunds never exceed payments."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlalchemy import func, select

from app.core.audit import Actor
from app.core.extensions import db
from app.core.models import Order
from delivery.fulfil import fulfil
from delivery.sweeper import stuck_orders
from keystore.models import Code
from payments import refunds
from payments.models import Payment, Refund
from payments.registry import providers
from tests.shop import empty_shop, in_app, make_product, place, sandbox_webhook, stock, unique_codes

STAFF = Actor("owner@shop.test", "owner")
pytestmark = pytest.mark.slow


def _shop_machine(app, client):
    class Shop(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            empty_shop(app)
            make_product(app, "card", price="5.00")
            self.product_id = self._scalar(select(func.max(Order.product_id))) or self._product_id()
            self.webhooks: dict[int, tuple[dict, bytes]] = {}
            self.orders: list[int] = []
            self.refund_keys = 0

        def _product_id(self) -> int:
            from app.core.models import Product

            return self._scalar(select(Product.id))

        def _scalar(self, query):
            with app.app_context():
                value = db.session.scalar(query)
                db.session.remove()
                return value

        def _run(self, action):
            return in_app(app, action)

        @rule(quantity=st.integers(1, 3))
        def place_order(self, quantity):
            placed = place(app, "card", quantity=quantity)
            self.orders.append(placed.order_id)
            self.webhooks[placed.order_id] = sandbox_webhook(app, placed.number, 500 * quantity)

        @rule(data=st.data())
        def webhook_arrives(self, data):
            if self.webhooks:
                order_id = data.draw(st.sampled_from(sorted(self.webhooks)))
                headers, body = self.webhooks[order_id]  # the same event each time: a duplicate delivery
                assert client.post("/webhooks/sandbox", data=body, headers=headers).status_code == 200

        @rule(data=st.data())
        def failure_arrives_late(self, data):
            if self.orders:
                order_id = data.draw(st.sampled_from(self.orders))
                number = self._scalar(select(Order.number).where(Order.id == order_id))
                headers, body = sandbox_webhook(app, number, 0, kind="payment.failed")
                assert client.post("/webhooks/sandbox", data=body, headers=headers).status_code == 200

        @rule(data=st.data())
        def worker_runs_a_job(self, data):
            if self.orders:
                order_id = data.draw(st.sampled_from(self.orders))
                self._run(lambda: fulfil(db.session, order_id))

        @rule()
        def sweeper_runs(self):
            for order_id in self._run(lambda: stuck_orders(db.session, 0)):
                self._run(lambda: fulfil(db.session, order_id))

        @rule(count=st.integers(1, 4))
        def stock_arrives(self, count):
            stock(app, self._product_id(), unique_codes(count, prefix="SM"))

        @rule(data=st.data(), amount=st.integers(1, 1500))
        def staff_refund(self, data, amount):
            if not self.orders:
                return
            order_id = data.draw(st.sampled_from(self.orders))
            self.refund_keys += 1
            try:
                refund_id, _ = self._run(
                    lambda: refunds.request_refund(db.session, STAFF, order_id, amount, key=f"sm-{self.refund_keys}")
                )
            except refunds.RefundError:
                return  # nothing paid, or more than what is left: refused, and nothing recorded
            self._run(lambda: refunds.carry_out(db.session, providers(), refund_id))

        @invariant()
        def no_code_is_sold_twice_and_orders_hold_exactly_their_codes(self):
            def check():
                held = dict(
                    db.session.execute(
                        select(Code.order_id, func.count()).where(Code.order_id.is_not(None)).group_by(Code.order_id)
                    ).all()
                )
                for order_id, status, quantity in db.session.execute(select(Order.id, Order.status, Order.quantity)):
                    expected = quantity if status in ("delivered", "refunded") and order_id in held else 0
                    assert held.get(order_id, 0) == expected, (order_id, status)
                    if status == "delivered":
                        assert held.get(order_id) == quantity
                assert all(
                    status in ("delivered", "available")
                    for status in db.session.scalars(select(Code.status).distinct())
                )

            self._run(check)

        @invariant()
        def refunds_never_exceed_payments_and_payments_belong_to_paid_orders(self):
            def check():
                for payment_id, paid in db.session.execute(select(Payment.id, Payment.amount_minor)):
                    refunded = db.session.scalar(
                        select(func.coalesce(func.sum(Refund.amount_minor), 0)).where(
                            Refund.payment_id == payment_id, Refund.status.in_(refunds.OPEN)
                        )
                    )
                    assert refunded <= paid
                unpaid_with_payment = db.session.scalar(
                    select(func.count())
                    .select_from(Order)
                    .join(Payment, Payment.order_id == Order.id)
                    .where(Order.status == "pending")
                )
                assert unpaid_with_payment == 0

            self._run(check)

    return Shop


def test_random_shop_histories_keep_the_invariants(app, client):
    machine = _shop_machine(app, client)
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=15,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )
