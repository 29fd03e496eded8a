"""The buyer's journey in a real browser: browse, buy with the sandbox, see and copy the code, rate,
report, contact support, in English and in Chinese."""

from __future__ import annotations

import re

import pytest

from tests.shop import make_product, stock, unique_codes

pytestmark = pytest.mark.slow
# Each language on one backend: the pages are the same on both, and every path here is tested on
# both through the Flask client and the pipeline tests.
ONE_BACKEND_EACH = [("sqlite", "en-US"), ("postgresql", "zh-CN")]

WORDS = {
    "en-US": {
        "buy": "Buy now",
        "pay": "Pay",
        "copied": "Copied",
        "rate": "Post review",
        "report": "This code does not work",
        "send_report": "Report this code",
        "support": "Contact support about this order",
        "send": "Send",
        "reported": "You reported this code",
    },
    "zh-CN": {
        "buy": "立即购买",
        "pay": "支付",
        "copied": "已复制",
        "rate": "发布评价",
        "report": "此卡密无法使用",
        "send_report": "反馈此卡密",
        "support": "就此订单联系客服",
        "send": "发送",
        "reported": "您已反馈此卡密",
    },
}


@pytest.mark.parametrize(("backend", "locale"), ONE_BACKEND_EACH)
def test_buyer_journey(app, worker, page_in, shot, locale):
    w = WORDS[locale]
    product_id = make_product(app, "steam-20", price="20.00")
    codes = unique_codes(3)
    stock(app, product_id, codes)
    page = page_in(locale)
    tag = locale[:2]

    page.goto("/")
    shot(page, f"catalog-{tag}")
    page.click("text=Steam-20")
    page.fill("input[name=email]", "buyer@example.com")
    shot(page, f"product-{tag}")
    page.click(f"button:has-text('{w['buy']}')")
    page.click("button[value=paid]")  # the sandbox provider's page
    page.wait_for_selector("code.code", timeout=20000)  # the page follows the order live until the code is there
    assert page.inner_text("code.code") == codes[0]
    page.click("button.copy")
    page.wait_for_selector(f"button.copy:has-text('{w['copied']}')")
    assert page.evaluate("navigator.clipboard.readText()") == codes[0]
    shot(page, f"order-{tag}")

    page.check("input[name=stars][value='5']")
    page.fill("#review textarea[name=text]", "Fast and worked")
    page.click(f"button:has-text('{w['rate']}')")
    assert page.input_value("#review textarea[name=text]") == "Fast and worked"  # saved, shown back to edit

    page.click(f"summary:has-text('{w['report']}')")
    page.select_option("select[name=reason]", "already_used")
    page.click(f"button:has-text('{w['send_report']}')")
    page.wait_for_selector(f"text={w['reported']}")

    page.click(f"text={w['support']}")
    page.fill("textarea[name=message]", "Thanks, one question about the region")
    page.click(f"button:has-text('{w['send']}')")
    assert re.search(r"/c/[A-Za-z0-9_-]+$", page.url)
    assert "one question about the region" in page.inner_text("ol.messages")
    shot(page, f"conversation-{tag}")
