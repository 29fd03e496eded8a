"""Random histories of a whole shop, with every side path and its faults (hypothesis state machine).

Payments (right, short, duplicated, a second one), Redis going down and coming back, queues emptied,
a real RQ worker draining them, the sweeper, refunds (double clicks, sent again), reports (the
policy, staff replacing, refunding, rejecting, after a refund), reviewed payments (accepted or
refunded), imports (lost and recovered). After every step `keyshop check` finds nothing broken;
once the faults end and the sweeper and workers have run, every refund is sent or visibly failed,
every paid order delivered, waiting, in review or refunded, and no plaintext upload is left.
"""

from __future__ import annotations

import io
import time
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from redis import Redis
from sqlalchemy import select

from app.core.audit import Actor
from app.core.db import utcnow
from app.core.extensions import db
from app.core.models import Order
from delivery.imports import start_import
from delivery.ledger import check_ledger
from delivery.periodic import PeriodicSweep
from delivery.queues import enqueue_fulfilment, enqueue_refund
from delivery.worker import run_worker
from feedback import decisions
from feedback.models import CodeReport
from feedback.reports import report_code
from keystore.models import Code, ImportRun
from payments import refunds, review
from payments.models import Payment, Refund
from tests.processes import free_port
from tests.shop import empty_shop, in_app, make_product, place, sandbox_webhook, stock, unique_codes

OWNER, AGENT = Actor("owner@shop.test", "owner"), Actor("agent@shop.test", "agent")
PRICE = 500
pytestmark = pytest.mark.slow


class _Redis:
    """Stops and starts "Redis" for the shop: while down, the app talks to a port nobody listens on."""

    def __init__(self, app):
        self.app, self.real = app, app.extensions["keyshop.redis"]
        self.dead = Redis(port=free_port(), socket_connect_timeout=0.2, socket_timeout=0.2)

    @property
    def up(self) -> bool:
        return self.app.extensions["keyshop.redis"] is self.real

    def set(self, up: bool) -> None:
        self.app.extensions["keyshop.redis"] = self.real if up else self.dead


SEEN: dict[str, int] = {}


def event(what: str) -> None:
    SEEN[what] = SEEN.get(what, 0) + 1


def _machine(app, client):
    class Shop(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            empty_shop(app)
            self.redis = _Redis(app)
            self.redis.real.flushdb()
            self.product_id = make_product(app, "card", price="5.00")
            stock(app, self.product_id, unique_codes(3, prefix="SM"))
            self.orders: list[int] = []
            self.keys = 0

        # -- helpers -------------------------------------------------------------------------
        def _run(self, action):
            return in_app(app, action)

        def _ids(self, query) -> list[int]:
            return self._run(lambda: list(db.session.scalars(query)))

        def _webhook(self, number: str, amount: int, event_id: str, flagged: bool) -> None:
            """Recorded either way; a payment flagged for staff is answered 422 (the copy a provider
            sends again is a duplicate, answered 200)."""
            headers, body = sandbox_webhook(app, number, amount, event_id=event_id)
            status = client.post("/webhooks/sandbox", data=body, headers=headers).status_code
            assert status == 200 or (flagged and status == 422), status

        def _key(self) -> str:
            self.keys += 1
            return f"machine-{self.keys}"

        # -- buyers and providers --------------------------------------------------------------
        @rule(quantity=st.integers(1, 2), pay=st.booleans())
        def place_order(self, quantity, pay):
            placed = place(app, "card", quantity=quantity, email=f"b{len(self.orders) % 3}@x.test")
            self.orders.append(placed.order_id)
            if pay:
                self._webhook(placed.number, PRICE * quantity, f"evt-{self._key()}", flagged=False)
                self.worker_drains_the_queues()

        @rule(data=st.data(), short=st.sampled_from([0, 0, 1, 499]), again=st.booleans())
        def payment_arrives(self, data, short, again):
            """The right amount, or a short one (review); sometimes the same event twice."""
            if not self.orders:
                return
            order_id = data.draw(st.sampled_from(self.orders))
            number, quantity = self._run(
                lambda: db.session.execute(select(Order.number, Order.quantity).where(Order.id == order_id)).one()
            )
            event_id = f"evt-{self._key()}"
            for _ in range(2 if again else 1):
                self._webhook(number, PRICE * quantity - short, event_id, flagged=bool(short))

        # -- faults and the machinery that recovers from them ----------------------------------
        @rule(up=st.booleans())
        def redis_goes_down_or_comes_back(self, up):
            self.redis.set(up)

        @rule()
        def queues_are_lost(self):
            if self.redis.up:
                self.redis.real.flushdb()

        @rule()
        def worker_drains_the_queues(self):
            if self.redis.up:
                run_worker(app, burst=True)

        @rule()
        def sweeper_runs(self):
            if self.redis.up:
                self.redis.real.delete("keyshop:sweeper")
                PeriodicSweep(app).sweep_once()

        @rule(count=st.integers(1, 3), lost=st.booleans())
        def stock_is_uploaded(self, count, lost):
            """Through the import job: parked, recorded, enqueued; sometimes the job is lost at once."""
            data = io.BytesIO("\n".join(unique_codes(count, prefix="SM")).encode() + b"\n")
            self._run(
                lambda: start_import(
                    db.session,
                    app.config["KEYSHOP"].instance,
                    data,
                    self.product_id,
                    name="machine",
                    supplier="",
                    uploaded_by="owner@shop.test",
                    source="test",
                )
            )
            if lost and self.redis.up:
                self.redis.real.delete("rq:queue:imports")

        # -- staff ------------------------------------------------------------------------------
        @rule(data=st.data(), amount=st.integers(1, 1000), agent=st.booleans(), clicks=st.integers(1, 2))
        def staff_refund(self, data, amount, agent, clicks):
            paid = self._ids(select(Payment.order_id).distinct().order_by(Payment.order_id))
            if not paid:
                return
            order_id, key = data.draw(st.sampled_from(paid)), self._key()
            for _ in range(clicks):  # a double click asks with the same key
                try:
                    refund_id, _ = self._run(
                        lambda: refunds.request_refund(db.session, AGENT if agent else OWNER, order_id, amount, key=key)
                    )
                except refunds.RefundError:
                    return
                event(f"refund recorded, Redis {'up' if self.redis.up else 'down'}")
                self._run(lambda: enqueue_refund(refund_id))

        @rule(data=st.data(), reason=st.sampled_from(["already_used", "invalid"]))
        def buyer_reports_a_code(self, data, reason):
            codes = self._run(
                lambda: db.session.execute(
                    select(Code.order_id, Code.id)
                    .join(Order, Order.id == Code.order_id)
                    .where(Code.status == "delivered", Order.status == "delivered")
                    .order_by(Code.id)
                ).all()
            )
            if codes:
                order_id, code_id = data.draw(st.sampled_from(codes))
                self._run(lambda: report_code(db.session, order_id, code_id, reason))
                event("code reported")

        @rule(data=st.data(), decision=st.sampled_from(["replace", "refund", "reject"]))
        def staff_decide_a_report(self, data, decision):
            open_ids = self._ids(select(CodeReport.id).where(CodeReport.status == "open").order_by(CodeReport.id))
            if not open_ids:
                return
            report_id = data.draw(st.sampled_from(open_ids))
            act = {
                "replace": lambda: decisions.replace_reported(db.session, OWNER, report_id),
                "refund": lambda: decisions.refund_reported(db.session, OWNER, report_id, PRICE),
                "reject": lambda: decisions.reject_report(db.session, OWNER, report_id, "it works: try again"),
            }
            try:
                self._run(act[decision])
                event(f"staff decision on a report: {decision}")
            except decisions.DecisionError:
                pass  # no stock, nothing left to refund, decided already: refused, nothing changed

        @rule(data=st.data(), accept=st.booleans())
        def staff_settle_a_flagged_payment(self, data, accept):
            flagged = self._run(
                lambda: db.session.execute(
                    select(Payment.id, Order.number)
                    .join(Order, Order.id == Payment.order_id)
                    .where(Payment.flag.is_not(None), Payment.flag_state == "")
                ).all()
            )
            if not flagged:
                return
            payment_id, number = data.draw(st.sampled_from(flagged))
            event(f"flagged payment settled: {'accept' if accept else 'refund'}")
            try:
                if accept:
                    order_id = self._run(lambda: review.accept(db.session, OWNER, number))
                    if order_id is not None:
                        self._run(lambda: enqueue_fulfilment([order_id]))
                else:
                    refund_id, _ = self._run(lambda: review.refund_received(db.session, OWNER, payment_id))
                    self._run(lambda: enqueue_refund(refund_id))
            except (review.ReviewError, refunds.RefundError):
                pass

        # -- what must hold ----------------------------------------------------------------------
        @invariant()
        def the_books_hold_after_every_step(self):
            breaches = self._run(lambda: check_ledger(db.session, app.config["KEYSHOP"].instance))
            assert breaches == [], breaches

        def teardown(self):
            """The faults end; the sweeper and a worker run until nothing is left to do."""
            self.redis.set(True)
            for _ in range(3):
                time.sleep(app.config["KEYSHOP"].sweep_after_seconds + 0.1)
                self.sweeper_runs()
                self.worker_drains_the_queues()
            self._run(self._everything_settled)

        def _everything_settled(self):
            session = db.session
            assert session.scalars(select(Refund.status).where(Refund.status == "requested")).all() == []
            assert (
                session.scalars(select(ImportRun.state).where(ImportRun.state.in_(("queued", "running")))).all() == []
            )
            assert list((app.config["KEYSHOP"].instance / "uploads").glob("*.upload")) == []
            waiting = session.scalars(select(Order.status).where(Order.status == "paid")).all()
            assert waiting == [], "paid orders left undelivered after the sweeper and a worker ran"
            breaches = check_ledger(session, app.config["KEYSHOP"].instance, utcnow() + timedelta(days=1))
            assert breaches == [], breaches

    return Shop


def test_random_histories_of_the_side_paths_keep_the_books(app, client):
    SEEN.clear()
    run_state_machine_as_test(
        _machine(app, client),
        settings=settings(
            max_examples=3,  # three histories of 40 steps per backend and run (a minute each on two busy cores)
            stateful_step_count=40,
            deadline=None,
            phases=[Phase.explicit, Phase.reuse, Phase.generate],
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )
    print(sorted(SEEN.items()))
