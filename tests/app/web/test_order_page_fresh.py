"""The order page reads little (app.web.order_page): which parts of an order exist, then only those,
and the help articles and the shop's name once per page version. Every change shows on the very
next request, on both backends."""

from __future__ import annotations

from app.core.audit import CLI, Actor
from app.core.extensions import db
from app.core.shop_profile_edit import save_profile
from feedback.help.articles import ArticleDraft, save_article, save_category
from payments import refunds
from payments.registry import providers
from tests.feedback.aftersale import codes_of, delivered, report_via_page, review_via_page
from tests.shop import in_app, make_product, stock, unique_codes

OWNER = Actor("owner@shop.test", "owner")


def refund_whole(app, order_id: int, amount: int) -> None:
    def refund() -> None:
        refund_id, _ = refunds.request_refund(db.session, OWNER, order_id, amount, key=f"whole-{order_id}")
        assert refunds.carry_out(db.session, providers(), refund_id) == "succeeded"

    in_app(app, refund)


def page(client, token: str) -> str:
    answer = client.get(f"/o/{token}")
    assert answer.status_code == 200
    return answer.get_data(as_text=True)


def test_a_report_a_review_and_a_refund_each_show_on_the_next_request(app, client):
    stock(app, make_product(app, "card"), unique_codes(3))
    placed = delivered(app, client)
    [(code_id, _)] = codes_of(app, placed.order_id)
    first = page(client, placed.token)
    assert "You reported this code" not in first and "Your review" not in first and "Refunds" not in first
    report_via_page(client, placed.token, code_id)
    assert "You reported this code" in page(client, placed.token)
    review_via_page(client, placed.token, 4, "Quick and fine")
    assert "Your review" in page(client, placed.token) and "Quick and fine" in page(client, placed.token)
    refund_whole(app, placed.order_id, 999)
    assert "Refunds" in page(client, placed.token)


def test_the_shop_name_and_a_new_help_article_show_on_the_next_request(app, client):
    product_id = make_product(app, "card")
    stock(app, product_id, unique_codes(2))
    placed = delivered(app, client)
    assert "Redeem a card" not in page(client, placed.token)  # read and kept for this version
    in_app(app, lambda: save_profile(db.session, OWNER, {"shop_name": "Renamed shop"}))
    assert "Renamed shop" in page(client, placed.token)

    def article() -> None:
        category = save_category(db.session, CLI, "codes", {"en": "Codes"})
        save_article(
            db.session, CLI, ArticleDraft("redeem-card", category, {"en": ("Redeem a card", "Open.")}, product_id)
        )

    in_app(app, article)
    assert "Redeem a card" in page(client, placed.token)


def test_another_token_opens_nothing(app, client):
    stock(app, make_product(app, "card"), unique_codes(2))
    placed = delivered(app, client)
    page(client, placed.token)
    other = "y" if placed.token.endswith("x") else "x"  # one character off, never the token itself
    assert client.get(f"/o/{placed.token[:-1]}{other}").status_code == 404
    assert client.get("/o/" + "a" * 65).status_code == 404
