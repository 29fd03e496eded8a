"""The public trust page counts what happened: deliveries, complaints, resolutions, ratings."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from app.core.db import utcnow
from app.core.extensions import db
from app.core.models import Product
from feedback.models import CodeReport
from feedback.trust import trust_figures
from tests.feedback.aftersale import codes_of, delivered, report_of, report_via_page, review_via_page, staff, staff_post
from tests.shop import make_product, stock, unique_codes


def test_the_trust_page_shows_rates_resolution_times_and_ratings(app, client):
    alpha = make_product(app, "alpha")
    make_product(app, "beta")
    stock(app, alpha, unique_codes(6))
    with app.app_context():
        db.session.execute(update(Product).where(Product.id == alpha).values(report_policy="hold"))
        db.session.commit()
        db.session.remove()
    orders = [delivered(app, client, "alpha", email=f"t{n}@example.com") for n in range(4)]
    reported = [codes_of(app, placed.order_id)[0][0] for placed in orders[:2]]
    for placed, code_id in zip(orders, reported):
        report_via_page(client, placed.token, code_id)
    staff(app, client)
    staff_post(client, f"/admin/reports/{report_of(app, reported[0]).id}/reject", message="it works")
    with app.app_context():  # a controlled clock: reported three hours ago, answered two hours later
        db.session.execute(
            update(CodeReport)
            .where(CodeReport.code_id == reported[0])
            .values(created_at=utcnow() - timedelta(hours=3), resolved_at=utcnow() - timedelta(hours=1))
        )
        db.session.commit()
        db.session.remove()
    review_via_page(client, orders[2].token, 5)
    review_via_page(client, orders[3].token, 3)

    with app.app_context():
        lines, shop = trust_figures(db.session)
        db.session.remove()
    first, beta = lines
    assert (first.name, first.delivered, first.reports, first.resolved) == ("Alpha", 4, 2, 1)
    assert (first.complaint_rate, first.resolved_share, first.median_hours_to_resolve) == (50.0, 50.0, 2.0)
    assert (first.rating, first.ratings) == (4.0, 2)
    assert (beta.delivered, beta.reports, beta.rating) == (0, 0, None)
    assert (shop.delivered, shop.reports, shop.rating) == (4, 2, 4.0)
    page = client.get("/trust").get_data(as_text=True)
    assert "50.0%" in page and "2.0 h" in page and "4.0 / 5" in page and "All products" in page
