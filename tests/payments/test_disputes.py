"""Disputes told by Stripe (through the `stripe` library's signatures) and PayPal (verified by its
API), kept once each, decided when the provider says so; their evidence submitted once through the
provider's evidence API, a network failure retried, a refusal shown to staff."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from app.core.audit import CLI, AuditEntry
from app.core.extensions import db
from payments.base import DisputeEvidence, ProviderUnavailable
from payments.dispute_submission import ask_to_submit, send_evidence
from payments.models import Dispute
from payments.registry import providers
from tests.fakes.stripe_api import event
from tests.payments.conftest import paypal_env, stripe_env
from tests.payments.disputes import (
    dispute_id_of,
    dispute_row,
    paid_by_stripe,
    raise_stripe_dispute,
    run_evidence_job,
    stripe_webhook,
)
from tests.shop import in_app, make_product, stock, unique_codes

EVIDENCE = DisputeEvidence(
    customer_email="buyer@example.com",
    product_description="1 x Card",
    service_date="2026-12-01",
    access_activity_log="2026-12-01 10:00:00 UTC from 203.0.113.9",
    delivery_log="Order timeline",
    customer_communication="Support conversation",
    terms_disclosure="Terms version sha256:ab",
)


@pytest.fixture
def shop_env(shop_env, fake_stripe, fake_paypal):
    return {**shop_env, **stripe_env(fake_stripe), **paypal_env(fake_paypal)}


@pytest.fixture
def stripe_order(app, client, fake_stripe):
    stock(app, make_product(app, price="9.99"), unique_codes(1))
    return paid_by_stripe(app, client, fake_stripe)


def _count(app, model, *where) -> int:
    return in_app(app, lambda: db.session.scalar(select(func.count()).select_from(model).where(*where)))


def _audited(app, action: str) -> int:
    return _count(app, AuditEntry, AuditEntry.action == action)


def _ask(app, dispute_id: int) -> bool:
    return in_app(app, lambda: ask_to_submit(db.session, CLI, dispute_id, EVIDENCE))


def _send(app, dispute_id: int) -> str:
    return in_app(app, lambda: send_evidence(db.session, providers(), dispute_id))


def test_a_stripe_dispute_told_twice_is_one_dispute(app, client, fake_stripe, stripe_order):
    dispute = fake_stripe.open_dispute(stripe_order.intent, reason="fraudulent")
    told = event("charge.dispute.created", dispute)
    assert stripe_webhook(client, told).status_code == 200
    assert stripe_webhook(client, told).status_code == 200  # the same event delivered again
    assert stripe_webhook(client, event("charge.dispute.created", dispute)).status_code == 200  # a new event id

    [row] = in_app(app, lambda: [_plain(d) for d in db.session.scalars(select(Dispute))])
    assert row == {
        "provider": "stripe",
        "reference": dispute["id"],
        "order_id": stripe_order.order_id,
        "amount_minor": 999,
        "currency": "USD",
        "reason": "fraudulent",
        "due_by": int(dispute["evidence_details"]["due_by"]),
        "state": "open",
    }
    assert _audited(app, "shop.dispute.opened") == 1


def _plain(dispute: Dispute) -> dict:
    from calendar import timegm

    return {
        "provider": dispute.provider,
        "reference": dispute.reference,
        "order_id": dispute.order_id,
        "amount_minor": dispute.amount_minor,
        "currency": dispute.currency,
        "reason": dispute.reason,
        "due_by": timegm(dispute.due_by.timetuple()),
        "state": dispute.state,
    }


def test_stripe_says_the_dispute_was_won(app, client, fake_stripe, stripe_order):
    dispute_id = raise_stripe_dispute(app, client, fake_stripe, stripe_order)
    reference = dispute_row(app, dispute_id).reference
    assert (
        stripe_webhook(client, event("charge.dispute.closed", fake_stripe.close_dispute(reference, "won"))).status_code
        == 200
    )
    assert dispute_row(app, dispute_id).state == "won"
    assert _audited(app, "shop.dispute.won") == 1


def _paypal_capture(app, client, fake_paypal) -> dict:
    stock(app, make_product(app, price="15.00", currency="EUR"), unique_codes(1))
    answer = client.post("/api/v1/orders", json={"product": "card", "email": "pp@example.com", "method": "paypal"})
    assert answer.status_code == 201, answer.text
    [paypal_order] = fake_paypal.orders.values()
    fake_paypal.approve(paypal_order["id"])
    back = client.get(f"/back/paypal/{answer.json['number']}?token={paypal_order['id']}&PayerID=P1")
    assert back.status_code == 200
    return paypal_order["purchase_units"][0]["payments"]["captures"][0]


def _paypal_post(client, delivery):
    headers, body = delivery
    return client.post("/webhooks/paypal", data=body, headers=headers)


def test_a_paypal_dispute_told_twice_is_one_dispute_and_its_resolution_decides_it(app, client, fake_paypal):
    capture = _paypal_capture(app, client, fake_paypal)
    dispute = fake_paypal.open_dispute(capture["id"])
    for _ in range(2):  # two deliveries, each with its own transmission
        assert _paypal_post(client, fake_paypal.webhook("CUSTOMER.DISPUTE.CREATED", dispute)).status_code == 200

    dispute_id = dispute_id_of(app, dispute["dispute_id"])
    row = dispute_row(app, dispute_id)
    assert (row.provider, row.amount_minor, row.currency, row.state) == ("paypal", 1500, "EUR", "open")
    assert row.reason == "MERCHANDISE_OR_SERVICE_NOT_RECEIVED" and row.due_by is not None
    assert _count(app, Dispute) == 1 and _audited(app, "shop.dispute.opened") == 1

    resolved = fake_paypal.resolve_dispute(dispute["dispute_id"], "RESOLVED_BUYER_FAVOUR")
    assert _paypal_post(client, fake_paypal.webhook("CUSTOMER.DISPUTE.RESOLVED", resolved)).status_code == 200
    assert dispute_row(app, dispute_id).state == "lost"


def test_a_hostile_reason_is_left_out_and_a_huge_paypal_amount_refused(app, client, fake_paypal):
    capture = _paypal_capture(app, client, fake_paypal)
    dispute = fake_paypal.open_dispute(capture["id"], reason="a\x00b" * 40)
    huge = {**dispute, "dispute_amount": {"currency_code": "EUR", "value": "1" * 30}}
    assert _paypal_post(client, fake_paypal.webhook("CUSTOMER.DISPUTE.CREATED", huge)).status_code == 400
    assert _count(app, Dispute) == 0
    assert _paypal_post(client, fake_paypal.webhook("CUSTOMER.DISPUTE.CREATED", dispute)).status_code == 200
    assert dispute_row(app, dispute_id_of(app, dispute["dispute_id"])).reason == ""


def test_a_paypal_dispute_without_our_custom_id_is_found_by_its_capture(app, client, fake_paypal):
    capture = _paypal_capture(app, client, fake_paypal)
    dispute = fake_paypal.open_dispute(capture["id"])
    dispute["disputed_transactions"][0].pop("custom")
    assert _paypal_post(client, fake_paypal.webhook("CUSTOMER.DISPUTE.CREATED", dispute)).status_code == 200
    assert dispute_row(app, dispute_id_of(app, dispute["dispute_id"])).amount_minor == 1500


def test_evidence_reaches_stripe_once_however_often_the_job_runs(app, client, fake_stripe, stripe_order):
    dispute_id = raise_stripe_dispute(app, client, fake_stripe, stripe_order)
    assert _ask(app, dispute_id) is True
    assert _ask(app, dispute_id) is False  # a second click changes nothing
    assert [_send(app, dispute_id) for _ in range(3)] == ["submitted"] * 3

    reference = dispute_row(app, dispute_id).reference
    assert fake_stripe.evidence_submissions == [
        (
            reference,
            {
                "customer_email_address": "buyer@example.com",
                "product_description": "1 x Card",
                "service_date": "2026-12-01",
                "access_activity_log": "2026-12-01 10:00:00 UTC from 203.0.113.9",
                "refund_policy_disclosure": "Terms version sha256:ab",
                "uncategorized_text": "Order timeline\n\nSupport conversation",
            },
        )
    ]
    row = dispute_row(app, dispute_id)
    assert (row.state, row.submitted_by, row.submitted_at is not None) == ("submitted", "cli", True)
    assert json.loads(row.evidence)["terms_disclosure"] == "Terms version sha256:ab"
    assert _audited(app, "shop.dispute.evidence_requested") == _audited(app, "shop.dispute.evidence_submitted") == 1


@pytest.mark.parametrize("failure", ["fail_next", "fail_next_after_work"])
def test_a_network_failure_is_retried_and_the_evidence_lands_once(app, client, fake_stripe, stripe_order, failure):
    """Stripe down before the work, or its answer lost after it: the retry, with the same key, lands once."""
    dispute_id = raise_stripe_dispute(app, client, fake_stripe, stripe_order)
    _ask(app, dispute_id)
    getattr(fake_stripe, failure)()
    with pytest.raises(ProviderUnavailable):
        _send(app, dispute_id)
    assert dispute_row(app, dispute_id).state == "submitting" and dispute_row(app, dispute_id).sending_at is None
    assert _send(app, dispute_id) == "submitted"
    assert len(fake_stripe.evidence_submissions) == 1


def test_a_refusal_fails_the_dispute_and_staff_may_submit_again(app, client, fake_stripe, stripe_order):
    dispute_id = raise_stripe_dispute(app, client, fake_stripe, stripe_order)
    reference = dispute_row(app, dispute_id).reference
    fake_stripe.close_dispute(reference, "under_review")  # Stripe takes no evidence now
    _ask(app, dispute_id)
    assert _send(app, dispute_id) == "failed"
    assert "already closed or under review" in dispute_row(app, dispute_id).error
    assert _audited(app, "shop.dispute.evidence_failed") == 1

    fake_stripe.close_dispute(reference, "needs_response")
    assert _ask(app, dispute_id) is True  # failed: submitted again, with a key of its own
    assert _send(app, dispute_id) == "submitted"
    assert len(fake_stripe.evidence_submissions) == 1


def test_the_job_gives_up_after_its_last_try_and_says_why(app, client, fake_stripe, stripe_order):
    dispute_id = raise_stripe_dispute(app, client, fake_stripe, stripe_order)
    _ask(app, dispute_id)
    fake_stripe.fail_next()
    assert run_evidence_job(app, dispute_id) == "failed"  # outside RQ: no retries left
    assert "gave up after every retry" in dispute_row(app, dispute_id).error
    assert fake_stripe.evidence_submissions == []


def test_evidence_reaches_paypal_once_as_multipart_after_a_failure(app, client, fake_paypal):
    capture = _paypal_capture(app, client, fake_paypal)
    dispute = fake_paypal.open_dispute(capture["id"])
    _paypal_post(client, fake_paypal.webhook("CUSTOMER.DISPUTE.CREATED", dispute))
    dispute_id = dispute_id_of(app, dispute["dispute_id"])
    _ask(app, dispute_id)
    fake_paypal.fail_next()
    with pytest.raises(ProviderUnavailable):
        _send(app, dispute_id)
    assert [_send(app, dispute_id) for _ in range(2)] == ["submitted", "submitted"]

    [(reference, evidences)] = fake_paypal.evidence_submissions
    assert reference == dispute["dispute_id"]
    assert [e["evidence_type"] for e in evidences] == ["PROOF_OF_FULFILLMENT", "PROOF_OF_FULFILLMENT", "OTHER", "OTHER"]
    assert evidences[0]["notes"] == "1 x Card\nOrder timeline"
    assert evidences[1]["notes"] == "2026-12-01 10:00:00 UTC from 203.0.113.9"


def test_an_unreadable_dispute_is_refused_and_stores_nothing(app, client, fake_stripe, stripe_order):
    dispute = fake_stripe.open_dispute(stripe_order.intent)
    for due_by in (10**30, "tomorrow", True):
        dispute["evidence_details"]["due_by"] = due_by
        assert stripe_webhook(client, event("charge.dispute.created", dispute)).status_code == 400
    dispute["evidence_details"]["due_by"] = 1_900_000_000
    for amount in (2**63, -1, "9.99"):
        assert stripe_webhook(client, event("charge.dispute.created", {**dispute, "amount": amount})).status_code == 400
    assert _count(app, Dispute) == 0


def test_an_order_records_the_terms_its_buyer_accepted_and_none_without_terms(app, client, fake_stripe):
    from app.core.models import Order
    from app.core.shop_settings import write_settings
    from payments.checkout import terms_digest

    make_product(app, price="9.99")
    bare = paid_by_stripe(app, client, fake_stripe, deliver=False)
    in_app(app, lambda: write_settings(db.session, "cli", {"page_terms": "Codes are final once shown."}))
    bound = paid_by_stripe(app, client, fake_stripe, email="second@example.com", deliver=False)
    in_app(app, lambda: write_settings(db.session, "cli", {"page_terms": "Rewritten later."}))

    rows = in_app(
        app,
        lambda: {
            o.id: (o.terms_digest, o.terms_accepted_at is not None)
            for o in db.session.scalars(select(Order).where(Order.id.in_((bare.order_id, bound.order_id))))
        },
    )
    assert rows[bare.order_id] == (None, True)
    assert rows[bound.order_id] == (terms_digest("Codes are final once shown."), True)
    assert len(rows[bound.order_id][0]) == 64
