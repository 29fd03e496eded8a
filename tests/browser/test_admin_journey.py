"""The admin's journey in a real browser: sign in, upload a batch, see the stock move, answer a
conversation, refund an order."""

from __future__ import annotations

import pytest

from app.core.extensions import db
from app.core.staff import create_staff
from feedback.support.conversations import Opening, open_conversation
from tests.shop import make_product, place, sandbox_webhook, unique_codes, wait_for_status

pytestmark = pytest.mark.slow
PASSWORD = "a long owner password"


@pytest.mark.parametrize("backend", ["postgresql"])  # on SQLite: test_owner_first_day.py
def test_admin_journey(app, client, worker, page_in, shot):
    product_id = make_product(app, "gift-50", price="50.00")
    with app.app_context():
        create_staff(db.session, "owner@shop.test", PASSWORD)
        opened = open_conversation(
            db.session,
            app.config["KEYSHOP"].support_deadline_hours,
            Opening("ask@example.com", "question", "Does it work in Brazil?"),
        )
        db.session.remove()
    page = page_in()
    page.goto("/admin/login")
    page.fill("input[name=email]", "owner@shop.test")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("text=Shop at a glance")

    page.goto(f"/admin/products/{product_id}")
    page.fill("textarea[name=codes]", "\n".join(unique_codes(4)))
    page.fill("input[name=name]", "november")
    page.click("button:has-text('Upload')")
    page.goto("/admin/")
    row = page.locator("table.grid tr", has_text="Gift-50").first
    assert row.locator("td").nth(1).inner_text() == "4"  # available

    page.goto("/admin/inbox")
    page.click(f"text={opened.number}")
    page.fill("#reply-body", "Yes, it works in every region.")
    page.click("button:has-text('Reply and resolve')")
    page.wait_for_selector("text=Yes, it works in every region.")
    shot(page, "admin-conversation")

    placed = place(app, "gift-50", email="r@example.com")
    headers, body = sandbox_webhook(app, placed.number, 5000)
    assert client.post("/webhooks/sandbox", data=body, headers=headers).status_code == 200
    assert wait_for_status(app, placed.order_id, "delivered") == "delivered", worker.log()[-2000:]
    page.goto(f"/admin/orders/{placed.number}")
    page.fill("input[name=amount]", "50.00")
    page.fill("input[name=reason]", "changed their mind")
    page.click("button:has-text('Refund')")
    page.wait_for_selector("text=on its way")
    assert wait_for_status(app, placed.order_id, "refunded") == "refunded", worker.log()[-2000:]
    page.goto("/admin/")
    assert page.locator("table.grid tr", has_text="Gift-50").first.locator("td").nth(1).inner_text() == "3"
    shot(page, "admin-dashboard")
