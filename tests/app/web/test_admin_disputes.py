"""The dispute's evidence page (what staff see and what the provider is sent: the reveal log, the mail
log, the support conversation, the terms accepted, never a code), its one-click submission through
a real worker and the `stripe` library, roles, and hostile input."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from app.core.audit import CLI
from app.core.extensions import db
from app.core.shop_settings import write_settings
from feedback.support.conversations import Opening, open_conversation
from feedback.support.desk import note, reply
from tests.fakes.stripe_api import FakeStripe
from tests.mail import drain_now
from tests.payments.conftest import stripe_env
from tests.payments.disputes import (
    dispute_row,
    owner_signs_in,
    paid_by_stripe,
    raise_stripe_dispute,
    submit_evidence,
    wait_for_dispute,
)
from tests.shop import csrf_from, in_app, make_product, set_product, stock, unique_codes

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0"
TERMS = "All sales of digital codes are final once a code has been shown."


@pytest.fixture
def fake_stripe():
    fake = FakeStripe()
    yield fake
    fake.stop()


@pytest.fixture
def shop_env(shop_env, fake_stripe):
    return {**shop_env, **stripe_env(fake_stripe)}


@pytest.fixture
def disputed(app, client, fake_stripe, smtp):
    """A delivered Stripe order with terms, a sent mail, a showing of its codes and a conversation in
    which the buyer pasted a code; then disputed."""
    codes = unique_codes(2)
    product_id = make_product(app, "card")
    set_product(app, product_id, reveal_on_request=True)
    stock(app, product_id, codes[:1])
    in_app(app, lambda: write_settings(db.session, "cli", {"page_terms": TERMS}))
    assert "By buying you accept" in client.get("/p/card").get_data(as_text=True)
    order = paid_by_stripe(app, client, fake_stripe)
    assert drain_now(app) == 1
    buyer = app.test_client()
    form = {"csrf_token": csrf_from(buyer, f"/o/{order.token}")}
    assert buyer.post(f"/o/{order.token}/reveal", data=form, headers={"User-Agent": BROWSER}).status_code == 303
    in_app(app, lambda: _conversation(app, order.order_id, codes[0]))
    return order, codes, raise_stripe_dispute(app, client, fake_stripe, order)


def _conversation(app, order_id: int, code: str) -> None:
    opening = Opening("buyer@example.com", "missing_code", f"My code {code} says invalid.", order_id=order_id)
    opened = open_conversation(db.session, app.config["KEYSHOP"].support_deadline_hours, opening)
    reply(db.session, CLI, opened.conversation_id, "It was redeemed on your account an hour ago.")
    note(db.session, CLI, opened.conversation_id, "Internal: buyer is probably a reseller")


def test_the_evidence_page_shows_each_part_and_never_a_code(app, client, disputed):
    order, codes, dispute_id = disputed
    owner_signs_in(app, client)
    page = client.get(f"/admin/disputes/{dispute_id}").get_data(as_text=True)

    assert BROWSER in page and "127.0.0.1" in page  # the reveal log
    assert "codes delivered" in page and "sent" in page  # the mail log
    assert "says invalid." in page and "redeemed on your account" in page  # the conversation
    assert "Internal: buyer is probably a reseller" not in page  # staff's notes are not evidence
    assert "My code [code withheld] says invalid." in page
    assert TERMS in page and "sha256:" in page  # the terms the buyer accepted, quoted
    assert not [code for code in codes if code in page]
    assert "Submit evidence" in page

    order_page = client.get(f"/admin/orders/{order.number}").get_data(as_text=True)
    assert f"/admin/disputes/{dispute_id}" in order_page
    dashboard = client.get("/admin/").get_data(as_text=True)
    assert "Disputes waiting for evidence" in dashboard and "evidence due by" in dashboard
    assert order.number in client.get("/admin/disputes").get_data(as_text=True)


def test_two_clicks_submit_once_through_a_real_worker(app, client, fake_stripe, disputed, worker):
    order, codes, dispute_id = disputed
    owner_signs_in(app, client)
    first, second = submit_evidence(client, dispute_id), submit_evidence(client, dispute_id)
    assert first.status_code == second.status_code == 302
    assert wait_for_dispute(app, dispute_id, "submitted") == "submitted", worker.log()[-2000:]

    [(reference, evidence)] = fake_stripe.evidence_submissions
    assert reference == dispute_row(app, dispute_id).reference
    assert [path for _, path, _ in fake_stripe.requests if "/disputes/" in path] == [f"/v1/disputes/{reference}"]
    assert evidence["customer_email_address"] == "buyer@example.com"
    assert BROWSER in evidence["access_activity_log"] and "127.0.0.1" in evidence["access_activity_log"]
    assert "mail 'delivered' to the buyer: sent, sent " in evidence["uncategorized_text"]
    assert "My code [code withheld] says invalid." in evidence["uncategorized_text"]
    assert TERMS in evidence["refund_policy_disclosure"]
    assert not [code for code in codes for text in evidence.values() if code in text]
    page = client.get(f"/admin/disputes/{dispute_id}").get_data(as_text=True)
    assert "What the provider was sent" in page and "Submit evidence" not in page


def test_agents_see_the_evidence_but_only_owners_submit(app, client, fake_stripe, disputed):
    _, _, dispute_id = disputed
    owner_signs_in(app, client, email="agent@example.com", role="agent")
    page = client.get(f"/admin/disputes/{dispute_id}")
    assert page.status_code == 200 and "Submit evidence" not in page.get_data(as_text=True)
    assert submit_evidence(client, dispute_id).status_code == 403
    assert dispute_row(app, dispute_id).state == "open" and fake_stripe.evidence_submissions == []


@pytest.mark.parametrize(
    "method, path, status",
    [
        ("GET", "/admin/disputes/999999", 404),
        ("GET", f"/admin/disputes/{2**70}", 404),
        ("GET", "/admin/disputes/1%00", 400),
        ("GET", "/admin/disputes/-1", 404),
        ("POST", "/admin/disputes/999999/submit", 404),
        ("POST", f"/admin/disputes/{2**63}/submit", 404),
    ],
)
def test_hostile_paths_are_refused(app, client, disputed, method, path, status):
    owner_signs_in(app, client)
    form = {"csrf_token": csrf_from(client, "/admin/")} if method == "POST" else None
    assert client.open(path, method=method, data=form).status_code == status
    assert dispute_row(app, disputed[2]).state == "open"


def test_a_submit_without_its_csrf_token_or_with_hostile_fields_is_refused(app, client, fake_stripe, disputed):
    _, _, dispute_id = disputed
    owner_signs_in(app, client)
    token = csrf_from(client, f"/admin/disputes/{dispute_id}")
    assert client.post(f"/admin/disputes/{dispute_id}/submit", data={}).status_code == 400
    hostile = urlencode({"csrf_token": token, "note": "a\x00b"})
    for path in (f"/admin/disputes/{dispute_id}/submit", f"/admin/disputes/{dispute_id}/submit?x=%00"):
        answer = client.post(path, data=hostile, content_type="application/x-www-form-urlencoded")
        assert answer.status_code == 400
    assert dispute_row(app, dispute_id).state == "open" and fake_stripe.evidence_submissions == []
