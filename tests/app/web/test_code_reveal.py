"""Codes shown on request: the order page holds them back behind "Show my codes" (a recorded POST),
the mail carries the link only, and the buyer's API says they are held back until revealed."""

from __future__ import annotations

from sqlalchemy import select

from app.core.extensions import db
from keystore.models import Code, CodeReveal
from tests.feedback.aftersale import codes_of, delivered, page_codes, report_via_page, staff
from tests.mail import drain_now
from tests.shop import PLANTED, csrf_from, make_product, set_product, stock, unique_codes

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0"


def _shop(app, count=2, **options):
    product_id = make_product(app, "card")
    set_product(app, product_id, reveal_on_request=True, **options)
    codes = unique_codes(count)
    stock(app, product_id, codes)
    return codes


def _reveal(client, token: str, agent: str = BROWSER):
    form = {"csrf_token": csrf_from(client, f"/o/{token}")}
    return client.post(f"/o/{token}/reveal", data=form, headers={"User-Agent": agent})


def _reveals(app, order_id: int) -> list[tuple[str, str, int]]:
    with app.app_context():
        rows = db.session.execute(
            select(CodeReveal.address, CodeReveal.user_agent, CodeReveal.codes_shown)
            .where(CodeReveal.order_id == order_id)
            .order_by(CodeReveal.id)
        ).all()
        db.session.remove()
    return [tuple(row) for row in rows]


def test_the_codes_are_shown_only_after_the_buyer_presses_show_and_each_press_is_recorded(app, client):
    codes = _shop(app, count=2)
    placed = delivered(app, client, quantity=2)
    page = client.get(f"/o/{placed.token}").get_data(as_text=True)
    assert page_codes(page) == [] and not any(code in page for code in codes)
    assert "Show my codes" in page and "Your 2 codes are ready" in page
    [(code_id, _), _] = codes_of(app, placed.order_id)
    refused = report_via_page(client, placed.token, code_id)  # a code never shown cannot be reported
    assert refused.status_code == 400 and "this code was never shown" in refused.get_data(as_text=True)

    assert client.post(f"/o/{placed.token}/reveal", data={}).status_code == 400  # no CSRF token
    assert _reveals(app, placed.order_id) == []
    response = _reveal(client, placed.token)
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/o/{placed.token}#codes")
    page = client.get(f"/o/{placed.token}").get_data(as_text=True)
    assert sorted(page_codes(page)) == sorted(codes) and "Show my code" not in page
    assert "from 127.0.0.1" in page and BROWSER in page

    assert _reveal(client, placed.token, agent="curl/8.5\x00" + "x" * 1000).status_code == 303  # a hostile header
    assert _reveals(app, placed.order_id) == [("127.0.0.1", BROWSER, 2), ("127.0.0.1", "curl/8.5" + "x" * 392, 0)]
    with app.app_context():
        assert None not in db.session.scalars(select(Code.revealed_at).where(Code.order_id == placed.order_id)).all()
        db.session.remove()


def test_staff_see_every_reveal_on_the_admin_order_page(app, client):
    _shop(app, count=1)
    placed = delivered(app, client)
    buyer = app.test_client()
    _reveal(buyer, placed.token)
    staff(app, client)
    page = client.get(f"/admin/orders/{placed.number}").get_data(as_text=True)
    assert "Codes shown to the buyer" in page and BROWSER in page and "127.0.0.1" in page


def test_an_order_not_shown_on_request_has_nothing_to_reveal(app, client):
    codes = unique_codes(1)
    stock(app, make_product(app, "card"), codes)
    placed = delivered(app, client)
    page = client.get(f"/o/{placed.token}").get_data(as_text=True)
    assert page_codes(page) == codes and "Show my code" not in page
    assert _reveal(client, placed.token).status_code == 409
    assert _reveals(app, placed.order_id) == []
    token = csrf_from(client, f"/o/{placed.token}")
    assert client.post("/o/no-such-token/reveal", data={"csrf_token": token}).status_code == 404


def test_the_delivery_mail_carries_the_order_link_and_no_code(smtp, app, client):
    codes = _shop(app, count=1)
    placed = delivered(app, client)
    assert drain_now(app) >= 1
    [message] = [m for m in smtp.messages if placed.number in m["Subject"]]
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert codes[0] not in message.as_string()
    assert f"/o/{placed.token}" in text and f"/o/{placed.token}" in html
    assert "Show my codes" in text and "Show my codes" in html.replace("&#34;", '"').replace("&quot;", '"')


def test_the_buyer_api_holds_the_codes_back_until_revealed_and_says_so(app, client):
    codes = _shop(app, count=1)
    placed = delivered(app, client)
    body = client.get(f"/api/v1/orders/{placed.token}").get_json()
    assert body["codes"] == [] and body["codes_on_request"] is True and body["codes_to_reveal"] == 1
    assert body["reveal"]["url"].endswith(f"/api/v1/orders/{placed.token}/reveal") and body["reveals"] == []
    revealed = client.post(f"/api/v1/orders/{placed.token}/reveal", headers={"User-Agent": "shop-bot/1"})
    assert revealed.status_code == 200
    body = revealed.get_json()
    assert body["codes"] == codes and body["codes_to_reveal"] == 0 and body["reveals"][0]["address"] == "127.0.0.1"
    assert _reveals(app, placed.order_id) == [("127.0.0.1", "shop-bot/1", 1)]
    assert client.post("/api/v1/orders/nothing/reveal").status_code == 404


def test_a_reusable_product_cannot_hold_its_code_back(app, client):
    staff(app, client, "owner@shop.test", role="owner")
    form = {
        "name": "Loop",
        "slug": "loop",
        "price": "1.00",
        "currency": "USD",
        "reusable": "1",
        "reveal_on_request": "1",
    }
    form["csrf_token"] = csrf_from(client, "/admin/products/new")
    page = client.post("/admin/products/new", data=form).get_data(as_text=True)
    assert "is not held back" in page
    form |= {"reusable": "", "slug": "held", "csrf_token": csrf_from(client, "/admin/products/new")}
    assert client.post("/admin/products/new", data=form).status_code == 302
    assert 'name="reveal_on_request" value="1" checked' in client.get(_edit_path(app, "held")).get_data(as_text=True)


def _edit_path(app, slug: str) -> str:
    from app.core.models import Product

    with app.app_context():
        product_id = db.session.scalar(select(Product.id).where(Product.slug == slug))
        db.session.remove()
    return f"/admin/products/{product_id}/edit"


__all__ = ["PLANTED"]
