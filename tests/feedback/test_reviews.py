"""Reviews: one per delivered order, shown as verified purchases, moderated by staff."""

from __future__ import annotations

from sqlalchemy import select

from app.core.audit import AuditEntry
from app.core.extensions import db
from feedback.models import Review
from tests.feedback.aftersale import delivered, review_via_page, staff, staff_post
from tests.shop import make_product, place, stock, unique_codes


def _review(app, order_id: int) -> Review | None:
    with app.app_context():
        review = db.session.scalar(select(Review).where(Review.order_id == order_id))
        db.session.expunge_all()
        db.session.remove()
        return review


def test_reviews_show_on_the_product_page_with_the_average_and_a_masked_email(app, client):
    product_id = make_product(app, "card")
    stock(app, product_id, unique_codes(3))
    first = delivered(app, client, email="maria.lopez@example.com")
    second = delivered(app, client, email="kai@example.org")
    assert review_via_page(client, first.token, 5, "Worked at once").status_code == 303
    assert review_via_page(client, second.token, 2).status_code == 303  # stars alone

    page = client.get("/p/card").get_data(as_text=True)
    assert "<strong>3.5</strong> out of 5 from 2 verified purchases" in page
    assert "m***@example.com" in page and "k***@example.org" in page
    assert "maria.lopez" not in page and "Worked at once" in page


def test_one_review_per_order_which_the_buyer_can_change(app, client):
    product_id = make_product(app, "card")
    stock(app, product_id, unique_codes(1))
    placed = delivered(app, client)
    review_via_page(client, placed.token, 1, "slow")
    review_via_page(client, placed.token, 4, "fine after all")
    with app.app_context():
        assert db.session.scalar(select(Review.stars).where(Review.order_id == placed.order_id)) == 4
        assert len(db.session.scalars(select(Review)).all()) == 1
        db.session.remove()
    assert "fine after all" in client.get(f"/o/{placed.token}").get_data(as_text=True)


def test_bad_stars_long_text_and_undelivered_orders_are_refused_with_the_reason(app, client):
    product_id = make_product(app, "card")
    stock(app, product_id, unique_codes(1))
    placed = delivered(app, client)
    for stars in ("0", "6", "three", ""):
        response = review_via_page(client, placed.token, stars)
        assert response.status_code == 400 and "stars: a whole number from 1 to 5" in response.get_data(as_text=True)
    long = review_via_page(client, placed.token, 5, "x" * 2001)
    assert long.status_code == 400 and "at most 2000 characters" in long.get_data(as_text=True)
    unpaid = place(app, "card")
    response = review_via_page(client, unpaid.token, 5, csrf_page=f"/o/{placed.token}")  # no form on its page
    assert response.status_code == 400 and "only a delivered or refunded order" in response.get_data(as_text=True)
    assert _review(app, placed.order_id) is None and _review(app, unpaid.order_id) is None


def test_staff_reply_in_public_and_hide_for_fraud_with_a_reason_the_average_follows(app, client):
    product_id = make_product(app, "card")
    stock(app, product_id, unique_codes(2))
    honest, fraud = delivered(app, client), delivered(app, client, email="x@example.com")
    review_via_page(client, honest.token, 4, "good")
    review_via_page(client, fraud.token, 1, "code never worked")
    staff(app, client)
    fraud_review = _review(app, fraud.order_id).id
    no_reason = staff_post(client, f"/admin/reviews/{fraud_review}/hide", reason="")
    assert no_reason.status_code == 302 and not _review(app, fraud.order_id).hidden
    staff_post(client, f"/admin/reviews/{fraud_review}/hide", reason="reported a working code to get a refund")
    staff_post(client, f"/admin/reviews/{_review(app, honest.order_id).id}/reply", reply="Thank you!")

    page = client.get("/p/card").get_data(as_text=True)
    assert "code never worked" not in page and "<strong>4.0</strong> out of 5 from 1 verified purchase" in page
    assert "The shop replied:</strong> Thank you!" in page
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "feedback.review.hidden"))
        assert (entry.actor, entry.target, entry.reason) == (
            "agent@shop.test",
            f"review:{fraud_review}",
            "reported a working code to get a refund",
        )
        db.session.remove()
    assert "reported a working code" in client.get("/admin/reviews").get_data(as_text=True)
    staff_post(client, f"/admin/reviews/{fraud_review}/show")
    assert "<strong>2.5</strong>" in client.get("/p/card").get_data(as_text=True)


def test_reviews_are_rate_limited_per_order(app, client):
    product_id = make_product(app, "card")
    stock(app, product_id, unique_codes(1))
    placed = delivered(app, client)
    statuses = [review_via_page(client, placed.token, 5, f"try {n}").status_code for n in range(12)]
    assert statuses[:10] == [303] * 10 and statuses[10:] == [429, 429]
