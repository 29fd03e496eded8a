"""A dynamic product sold end to end in a real browser: no code in stock, the sandbox payment, and the
codes the seller's URL (on loopback) gave shown on the order page."""

from __future__ import annotations

import pytest

from tests.delivery.dynamic.conftest import dynamic_product, seller  # noqa: F401

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("backend", ["sqlite"])  # PostgreSQL's path is the worker tests' (tests/delivery/dynamic)
def test_dynamic_product_sells_in_the_browser(app, worker, page_in, seller):
    dynamic_product(app, seller, slug="game-key", price="7.00")
    page = page_in("en-US")
    page.goto("/p/game-key")
    assert "In stock" in page.inner_text("body")
    page.fill("input[name=email]", "buyer@example.com")
    page.click("button:has-text('Buy now')")
    page.click("button[value=paid]")  # the sandbox provider's page
    page.wait_for_selector("code.code", timeout=20000)
    [request] = seller.received
    assert request.signed and page.inner_text("code.code") == seller.given[request.message_id][0]
