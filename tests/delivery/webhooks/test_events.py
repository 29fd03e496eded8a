"""Every event type, raised by the shop's own code where it happens, reaches the endpoint signed and
valid against its schema in docs/webhook-schemas, with the numbers of its order and nothing secret."""

from __future__ import annotations

from sqlalchemy import select

from app.core.extensions import db
from delivery.webhooks.history import send_test_event
from feedback.decisions import reject_report
from feedback.reports import report_code
from feedback.reviews import write_review
from feedback.support.conversations import Opening, open_conversation
from keystore.models import Code
from payments import refunds
from tests.delivery.webhooks.endpoints import OWNER, add, deliver, in_app, paid_order, receiver, run_job  # noqa: F401
from tests.shop import make_product, stock, unique_codes


def _report_and_reject(app, order_id: int) -> int:
    with app.app_context():
        code_id = db.session.scalar(select(Code.id).where(Code.order_id == order_id))
        db.session.rollback()
        report_id = report_code(db.session, order_id, code_id, "invalid")
        reject_report(db.session, OWNER, report_id, "It works: enter it on the redeem page.")
        db.session.remove()
    return report_id


def _refund(app, order_id: int, outcome: str) -> None:
    with app.app_context():
        refund_id, _ = refunds.request_refund(db.session, OWNER, order_id, 999, key=f"test-{order_id}")
        refunds.settle(db.session, refund_id, outcome, error="declined by the test" if outcome == "failed" else "")
        db.session.remove()


def test_every_event_type_arrives_valid_against_its_schema(app, client, receiver):
    endpoint = add(app, receiver)
    product_id = make_product(app)
    waiting = paid_order(app, client)
    assert deliver(app, waiting.order_id) == "awaiting_stock"
    stock(app, product_id, unique_codes(3))
    delivered = paid_order(app, client)
    assert deliver(app, delivered.order_id) == "delivered"
    report_id = _report_and_reject(app, delivered.order_id)
    in_app(app, lambda s: write_review(s, delivered.order_id, 5, "quick"))
    opening = Opening("buyer@example.com", "order_status", "Where is it?", order_id=delivered.order_id)
    in_app(app, lambda s: open_conversation(s, app.config["KEYSHOP"].support_deadline_hours, opening))
    _refund(app, delivered.order_id, "failed")
    _refund(app, waiting.order_id, "succeeded")
    in_app(app, lambda s: send_test_event(s, OWNER, endpoint, "x"))
    run_job(app, endpoint)
    assert receiver.problems == []
    assert sorted(set(receiver.types())) == sorted([
        "order.paid", "order.awaiting_stock", "order.delivered", "code.reported", "report.decided",
        "review.created", "conversation.created", "refund.failed", "order.refunded", "webhook.test",
    ])  # fmt: skip
    decided = next(m.data for m in receiver.received if m.type == "report.decided")
    assert (decided["report_id"], decided["decision"], decided["number"]) == (report_id, "rejected", delivered.number)
    failed = next(m.data for m in receiver.received if m.type == "refund.failed")
    assert failed["refund"]["amount_minor"] == 999 and failed["refund"]["currency"] == "USD"
    for_delivered = [m.type for m in receiver.received if m.data.get("order_id") == delivered.order_id]
    assert for_delivered == [
        "order.paid", "order.delivered", "code.reported", "report.decided", "review.created",
        "conversation.created", "refund.failed",
    ]  # fmt: skip
