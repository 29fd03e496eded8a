"""The owner's dashboard: sales per currency (never one sum of two currencies), refunds apart, and
charts with their axes and units."""

from __future__ import annotations

import re

from app.core.audit import Actor
from app.core.dashboard import Series, daily_series
from app.core.extensions import db
from payments.figures import refund_series
from payments.refunds import carry_out, request_refund
from payments.registry import providers
from tests.feedback.aftersale import delivered, staff
from tests.shop import make_product, place, sandbox_webhook, stock, unique_codes

OWNER = Actor("owner@shop.test", "owner")


def _shop_with_two_currencies_and_a_refund(app, client) -> None:
    stock(app, make_product(app, "card", price="9.99", currency="USD"), unique_codes(2))
    stock(app, make_product(app, "yen", price="1500", currency="JPY"), unique_codes(1))
    delivered(app, client, slug="card")
    refunded = delivered(app, client, slug="card")
    yen = place(app, "yen")
    headers, body = sandbox_webhook(app, yen.number, 1500, currency="JPY")
    assert client.post("/webhooks/sandbox", data=body, headers=headers).status_code == 200
    with app.app_context():
        refund_id, _created = request_refund(db.session, OWNER, refunded.order_id, 500, key="dash-1", reason="goodwill")
        assert carry_out(db.session, providers(), refund_id) == "succeeded"
        db.session.remove()


def _today(series: Series) -> float:
    return series.points[-1][1]


def test_sales_are_charted_per_currency_and_refunds_apart(app, client):
    _shop_with_two_currencies_and_a_refund(app, client)
    with app.app_context():
        charts = {series.title: series for series in daily_series(db.session)}
        refunds = refund_series(db.session)
        db.session.remove()
    assert list(charts) == ["Orders paid", "Sales (JPY)", "Sales (USD)", "Paid to delivered, median"]
    assert _today(charts["Orders paid"]) == 3
    assert (_today(charts["Sales (USD)"]), charts["Sales (USD)"].unit) == (19.98, "USD")  # gross, before refunds
    assert (_today(charts["Sales (JPY)"]), charts["Sales (JPY)"].unit) == (1500, "JPY")  # yen have no cents
    assert [(series.title, _today(series), series.unit) for series in refunds] == [("Refunds (USD)", 5, "USD")]


def test_the_value_axis_ends_at_a_round_number_above_the_highest_bar():
    assert Series("x", [("a", 19.98), ("b", 3)]).ticks == [0, 10, 20]
    assert Series("x", [("a", 1500)]).ticks == [0, 1000, 2000]
    assert Series("x", [("a", 0.4)]).ticks == [0, 0.25, 0.5]
    assert Series("x", [("a", 0)]).ticks == [0, 0.5, 1]


def test_the_dashboard_draws_each_currency_and_the_refunds_with_axes_and_units(app, client):
    _shop_with_two_currencies_and_a_refund(app, client)
    staff(app, client, "owner@shop.test", role="owner")
    page = client.get("/admin/").get_data(as_text=True)
    sales = page[page.index("<h2>Sales, last 14 days</h2>") : page.index("<h2>Refunds, last 14 days</h2>")]
    refunds = page[page.index("<h2>Refunds, last 14 days</h2>") : page.index("<h2>Stock and support</h2>")]
    assert 'Sales (USD) <span class="muted">(USD per day)</span>' in sales and ": 19.98 USD</title>" in sales
    assert "Sales (JPY)" in sales and ": 1500 JPY</title>" in sales and "21497" not in page  # never summed
    assert "Refunds (USD)" in refunds and ": 5 USD</title>" in refunds and "Refunds" not in sales
    for chart in re.findall(r"<svg.*?</svg>", sales, re.S):
        assert chart.count('class="tick"') >= 3 + 7 and ">day (UTC)</text>" in chart  # values and days
        assert re.search(r'<text class="unit"[^>]*>(USD|JPY|orders|s)</text>', chart)


def test_a_shop_without_refunds_says_so(app, client):
    staff(app, client)
    assert "No money was paid back in the last 14 days." in client.get("/admin/").get_data(as_text=True)
