"""The order page as the buyer's home: timeline, codes, how to redeem, links to help."""

from __future__ import annotations

from tests.feedback.aftersale import codes_of, delivered, report_via_page, staff, staff_post
from tests.shop import make_product, stock, unique_codes


def test_the_order_page_shows_its_timeline_codes_and_how_to_redeem(app, client):
    product_id = make_product(app, "card")
    stock(app, product_id, unique_codes(2))
    staff(app, client, "owner@shop.test", role="owner")
    staff_post(
        client,
        f"/admin/products/{product_id}/instructions",
        instructions="Open the store, choose Redeem, paste the code.",
    )
    placed = delivered(app, client)
    [(code_id, _)] = codes_of(app, placed.order_id)
    report_via_page(client, placed.token, code_id)
    page = client.get(f"/o/{placed.token}").get_data(as_text=True)
    steps = ["Ordered", "Paid", "Delivered", "Code reported"]
    positions = [page.index(f"<span>{step}</span>") for step in steps]
    assert positions == sorted(positions)
    assert "How to redeem" in page and "Open the store, choose Redeem, paste the code." in page
    assert "Contact support about this order" in page


def test_an_agent_cannot_change_the_instructions(app, client):
    product_id = make_product(app, "card")
    staff(app, client)
    assert staff_post(client, f"/admin/products/{product_id}/instructions", instructions="x").status_code == 403
