"""Hostile words in reviews, reports and staff answers are inert on every page that shows them."""

from __future__ import annotations

from sqlalchemy import select, update

from app.core.extensions import db
from app.core.models import Product
from feedback.models import CodeReport, Review
from feedback.policy import apply_policy
from feedback.text import plain_text
from tests.feedback.aftersale import codes_of, delivered, report_via_page, review_via_page, staff, staff_post
from tests.shop import make_product, stock, unique_codes

PAYLOADS = [
    '<script>alert("r")</script>',
    "<img src=x onerror=alert(1)>",
    '" onmouseover="alert(2)" x="',
    "</textarea><svg onload=alert(3)>",
    "javascript:alert(4)",
]
HOSTILE = " ".join(PAYLOADS)


def _inert(html: str) -> None:
    for live in ("<script>alert", "<img src=x", '" onmouseover="', "<svg onload", "</textarea><svg"):
        assert live not in html, live


def test_hostile_review_report_and_answer_text_renders_inert_everywhere(app, client):
    product_id = make_product(app, "card")
    stock(app, product_id, unique_codes(3))
    with app.app_context():
        db.session.execute(update(Product).where(Product.id == product_id).values(report_policy="hold"))
        db.session.commit()
        db.session.remove()
    placed = delivered(app, client)
    [(code_id, _)] = codes_of(app, placed.order_id)
    assert review_via_page(client, placed.token, 3, HOSTILE).status_code == 303
    assert report_via_page(client, placed.token, code_id, "other", HOSTILE).status_code == 303
    with app.app_context():
        report_id = db.session.scalar(select(CodeReport.id))
        db.session.rollback()
        apply_policy(db.session, report_id)
        review_id = db.session.scalar(select(Review.id))
        db.session.remove()
    staff(app, client)
    staff_post(client, f"/admin/reviews/{review_id}/reply", reply=HOSTILE)

    pages = [f"/o/{placed.token}", "/p/card", "/trust", "/admin/reports", "/admin/reviews", "/admin/"]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        _inert(response.get_data(as_text=True))
    staff_post(client, f"/admin/reports/{report_id}/reject", message=HOSTILE)
    _inert(client.get(f"/o/{placed.token}").get_data(as_text=True))
    _inert(client.get("/admin/reports").get_data(as_text=True))


def test_stored_text_keeps_the_words_and_loses_the_markup():
    assert plain_text("text", "<b>great</b> <script>x()</script>code\x00\u200b!", 100) == "great x()code!"
    assert plain_text("text", "line one\r\n\r\n  line   two  ", 100) == "line one\n\nline two"
