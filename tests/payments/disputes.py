"""Disputes end to end, for any test (the shop day's too): a Stripe order paid and delivered, its
payment disputed at the fake Stripe and told by signed webhook, and its evidence submitted by an
owner's click.

    order = paid_by_stripe(app, client, fake_stripe)           # shop_env needs stripe_env(fake_stripe)
    dispute_id = raise_stripe_dispute(app, client, fake_stripe, order)
    owner_signs_in(app, client)
    submit_evidence(client, dispute_id)                          # one click; the job goes to Redis
    run_evidence_job(app, dispute_id)  # or a real worker on "aftersale", then wait_for_dispute(...)
    assert fake_stripe.evidence_submissions == [(reference, {...})]
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import select

from app.core.extensions import db
from app.core.models import Order
from app.core.staff import create_staff
from delivery.fulfil import fulfil
from payments.models import Dispute
from tests.fakes.stripe_api import event, signed
from tests.payments.conftest import STRIPE_WEBHOOK_SECRET
from tests.shop import PLANTED, csrf_from, sign_in

PASSWORD = "correct horse battery staple"


@dataclass(frozen=True)
class StripeOrder:
    number: str
    order_id: int
    token: str
    intent: str


def paid_by_stripe(app, client, fake_stripe, email="buyer@example.com", deliver=True, product="card") -> StripeOrder:
    """Ordered through the API, paid at the fake Stripe, told by webhook, and delivered in-process
    unless `deliver` is false (then the workers deliver it). The product must exist, with stock."""
    answer = client.post("/api/v1/orders", json={"product": product, "email": email, "method": "stripe"})
    assert answer.status_code == 201, answer.text
    PLANTED.add(answer.json["token"])
    session = fake_stripe.pay(answer.json["payment"]["url"].rsplit("/", 1)[1])
    assert stripe_webhook(client, event("checkout.session.completed", session)).status_code == 200
    with app.app_context():
        order_id = db.session.scalar(select(Order.id).where(Order.number == answer.json["number"]))
        db.session.rollback()
        if deliver:
            assert fulfil(db.session, order_id) == "delivered"
        db.session.remove()
    return StripeOrder(answer.json["number"], order_id, answer.json["token"], session["payment_intent"])


def stripe_webhook(client, payload: dict):
    headers, body = signed(payload, STRIPE_WEBHOOK_SECRET)
    return client.post("/webhooks/stripe", data=body, headers=headers)


def raise_stripe_dispute(app, client, fake_stripe, order: StripeOrder, reason="fraudulent") -> int:
    """The buyer's bank disputes the payment; Stripe says so by webhook. The dispute's id here."""
    dispute = fake_stripe.open_dispute(order.intent, reason=reason)
    assert stripe_webhook(client, event("charge.dispute.created", dispute)).status_code == 200
    return dispute_id_of(app, dispute["id"])


def dispute_id_of(app, reference: str) -> int:
    with app.app_context():
        dispute_id = db.session.scalar(select(Dispute.id).where(Dispute.reference == reference))
        db.session.remove()
    return dispute_id


def dispute_row(app, dispute_id: int) -> Dispute:
    with app.app_context():
        row = db.session.get(Dispute, dispute_id)
        db.session.expunge(row)
        db.session.remove()
    return row


def owner_signs_in(app, client, email="owner@example.com", role="owner") -> None:
    with app.app_context():
        create_staff(db.session, email, PASSWORD, role=role)
        db.session.remove()
    assert sign_in(client, email, PASSWORD).status_code == 302


def submit_evidence(client, dispute_id: int):
    """A click on "Submit evidence" on the dispute's page (the token from the dashboard's sign-out
    form, which every staff member has)."""
    token = csrf_from(client, "/admin/")
    return client.post(f"/admin/disputes/{dispute_id}/submit", data={"csrf_token": token})


def run_evidence_job(app, dispute_id: int) -> str:
    """The job, in-process (as a worker runs it, without RQ's retries)."""
    from delivery.jobs import submit_dispute_evidence

    with app.app_context():
        try:
            return submit_dispute_evidence(dispute_id)
        finally:
            db.session.remove()


def wait_for_dispute(app, dispute_id: int, wanted: str, seconds: float = 30) -> str:
    deadline, state = time.monotonic() + seconds, ""
    while time.monotonic() < deadline:
        state = dispute_row(app, dispute_id).state
        if state == wanted:
            break
        time.sleep(0.1)
    return state
