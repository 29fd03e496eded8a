"""Due process for reviews: a hidden review's author reads why and may appeal once; staff restore
it or keep it hidden, audited. A refunded order's buyer may review, so the rating is not skewed up."""

from __future__ import annotations

from sqlalchemy import select

from app.core.audit import AuditEntry
from app.core.extensions import db
from feedback.models import Review
from tests.feedback.aftersale import delivered, review_via_page, staff, staff_post
from tests.keystore.test_reveal_refunds import _refund_whole
from tests.shop import audit_of, csrf_from, make_product, stock, unique_codes

REASON = "reported a working code to get a refund"


def _hidden_review(app, client):
    """A buyer's review, hidden by an agent (signed in on `client`); (the order, the review's id)."""
    stock(app, make_product(app, "card"), unique_codes(1))
    placed = delivered(app, client)
    review_via_page(client, placed.token, 1, "code never worked")
    staff(app, client)
    with app.app_context():
        review_id = db.session.scalar(select(Review.id).where(Review.order_id == placed.order_id))
        db.session.remove()
    staff_post(client, f"/admin/reviews/{review_id}/hide", reason=REASON)
    return placed, review_id


def _appeal(client, token: str, text: str):
    return client.post(f"/o/{token}/review/appeal", data={"csrf_token": csrf_from(client, f"/o/{token}"), "text": text})


def _actions(app, review_id: int) -> list[tuple]:
    return audit_of(app, f"review:{review_id}", AuditEntry.action, AuditEntry.actor)


def test_the_author_reads_why_appeals_once_and_staff_restore_the_review(app, client):
    placed, review_id = _hidden_review(app, client)
    page = client.get(f"/o/{placed.token}").get_data(as_text=True)
    assert f"The shop's reason: {REASON}" in page and "you can appeal once" in page
    assert _appeal(client, placed.token, "").status_code == 400  # an appeal says why
    assert _appeal(client, placed.token, "It really did not work; support has my screenshot").status_code == 303
    second = _appeal(client, placed.token, "again")
    assert second.status_code == 400 and "appealed once" in second.get_data(as_text=True)
    assert "have not decided yet" in client.get(f"/o/{placed.token}").get_data(as_text=True)

    staff_page = client.get("/admin/reviews").get_data(as_text=True)
    assert "Appeals waiting" in staff_page and "support has my screenshot" in staff_page
    assert staff_post(client, f"/admin/reviews/{review_id}/appeal/restored").status_code == 302
    assert "code never worked" in client.get("/p/card").get_data(as_text=True)
    assert "Appeals waiting" not in client.get("/admin/reviews").get_data(as_text=True)
    assert "review-hidden" not in client.get(f"/o/{placed.token}").get_data(as_text=True)
    staff_post(client, f"/admin/reviews/{review_id}/appeal/kept_hidden")  # decided already: nothing moves
    assert _actions(app, review_id) == [
        ("feedback.review.hidden", "agent@shop.test"),
        ("feedback.review.appealed", "buyer:b***@example.com"),
        ("feedback.review.appeal_restored", "agent@shop.test"),
    ]


def test_a_review_kept_hidden_after_its_appeal_says_so_and_cannot_be_appealed_again(app, client):
    placed, review_id = _hidden_review(app, client)
    _appeal(client, placed.token, "please look again")
    staff_post(client, f"/admin/reviews/{review_id}/appeal/kept_hidden")
    page = client.get(f"/o/{placed.token}").get_data(as_text=True)
    assert "decided to keep your review hidden" in page and 'action="/o/' + placed.token + '/review/appeal"' not in page
    assert "code never worked" not in client.get("/p/card").get_data(as_text=True)
    assert _appeal(client, placed.token, "and again").status_code == 400
    assert _actions(app, review_id)[-1] == ("feedback.review.appeal_kept_hidden", "agent@shop.test")


def test_a_visible_review_cannot_be_appealed(app, client):
    stock(app, make_product(app, "card"), unique_codes(1))
    placed = delivered(app, client)
    review_via_page(client, placed.token, 5, "great")
    response = _appeal(client, placed.token, "why not")
    assert response.status_code == 400 and "only a hidden review can be appealed" in response.get_data(as_text=True)


def test_the_buyer_of_a_refunded_order_may_review_and_the_rating_counts_it(app, client):
    stock(app, make_product(app, "card"), unique_codes(2))
    happy, refunded = delivered(app, client), delivered(app, client, email="r@example.com")
    review_via_page(client, happy.token, 5, "fine")
    _refund_whole(app, refunded.order_id, 999)
    assert "Rate your order" in client.get(f"/o/{refunded.token}").get_data(as_text=True)
    assert review_via_page(client, refunded.token, 1, "the code was already used").status_code == 303
    page = client.get("/p/card").get_data(as_text=True)
    assert "<strong>3.0</strong> out of 5 from 2 verified purchases" in page and "already used" in page
