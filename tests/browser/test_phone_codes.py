"""Codes on a phone (375 x 667): never clipped, each field of an account copied on its own, and the
help button never on top of a code, wherever the page is scrolled."""

from __future__ import annotations

import pytest

from tests.feedback.aftersale import delivered
from tests.shop import PLANTED, make_product, set_product, stock, unique_codes

pytestmark = pytest.mark.slow

PHONE = {"width": 375, "height": 667}
ACCOUNT = {
    "account": "a.very.long.account.name.for.a.game.store@example-mail.com",
    "password": "Xk3$9vLq-Zr7w!Tn2#Hb8yPm4",
}


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, base_url=live_server.url)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    yield context.new_page()
    context.close()


def _overlap(a: dict, b: dict) -> bool:
    return (
        a["x"] < b["x"] + b["width"]
        and b["x"] < a["x"] + a["width"]
        and a["y"] < b["y"] + b["height"]
        and b["y"] < a["y"] + a["height"]
    )


def _assert_codes_whole_and_uncovered(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # nothing runs off sideways
    help_button = page.locator(".widget-button")
    for code in page.locator("code.code").all():
        code.scroll_into_view_if_needed()
        box = code.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
        assert not _overlap(box, help_button.bounding_box())
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    for code in page.locator("code.code").all():  # the page scrolled to its end: the button is there
        assert not _overlap(code.bounding_box(), help_button.bounding_box())


@pytest.mark.parametrize("backend", ["sqlite"])  # one backend each: the pages are the same on both
def test_an_accounts_fields_fit_a_phone_and_copy_one_by_one(app, client, phone):
    product_id = make_product(app, "account")
    set_product(app, product_id, code_format="csv", csv_columns="account,password")
    PLANTED.update(ACCOUNT.values())
    stock(app, product_id, [dict(ACCOUNT)])
    placed = delivered(app, client, slug="account")
    phone.goto(f"/o/{placed.token}")
    fields = phone.locator(".code-field")
    assert fields.count() == 2
    for n, (name, value) in enumerate(ACCOUNT.items()):
        field = fields.nth(n)
        assert field.locator("dt").inner_text() == name and field.locator("code.code").inner_text() == value
        field.locator("button.copy").click()
        assert phone.evaluate("navigator.clipboard.readText()") == value
    _assert_codes_whole_and_uncovered(phone)


@pytest.mark.parametrize("backend", ["postgresql"])
def test_long_codes_fit_a_phone_and_the_help_button_covers_none(app, client, phone):
    product_id = make_product(app, "card")
    codes = [code + "-" + "Q7ZK" * 12 for code in unique_codes(6)]  # 60 characters without a space
    PLANTED.update(codes)
    stock(app, product_id, codes)
    placed = delivered(app, client, quantity=6)
    phone.goto(f"/o/{placed.token}")
    assert sorted(phone.locator("code.code").all_inner_texts()) == sorted(codes)
    _assert_codes_whole_and_uncovered(phone)
