"""An owner's first day in a real browser, on a fresh `keyshop serve` without --demo: the setup
page, the shop's settings, a product with a picture, an upload, an agent invited by mail who sets a
password and signs in, a buyer who pays, and the owner's mail about the paid order; in English, then
all of it in Chinese (the browser asks for zh-CN; every button is found by its Chinese words, taken
from the shop's own catalog, so an untranslated one fails the test)."""

from __future__ import annotations

import io
import re
import time

import pytest
from babel.support import Translations
from PIL import Image

from app.core.i18n import compile_catalogs
from tests.processes import ServeProcess
from tests.secrets_in_logs import PLANTED
from tests.shop import unique_codes

pytestmark = pytest.mark.slow
OWNER, AGENT, PASSWORD = "owner@lantern.test", "agent@lantern.test", "a long owner password"


@pytest.fixture
def served(shop_env, smtp):
    """`keyshop serve` on its own port, its links on that port too (no KEYSHOP_BASE_URL)."""
    env = {name: value for name, value in shop_env.items() if name != "KEYSHOP_BASE_URL"}
    process = ServeProcess(env)
    yield process
    process.stop()


# A fresh `keyshop serve` keeps its shop in SQLite; every page here is tested on PostgreSQL elsewhere.
@pytest.mark.parametrize("backend", ["sqlite"])
@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_an_owners_first_day(served, smtp, browser, tmp_path, shot, locale):
    w, tag = _words(locale, tmp_path), locale[:2]
    codes = unique_codes(2, prefix="LANTERN")
    PLANTED.update(codes)
    owner = _context(browser, served.url, locale)
    _set_up_the_shop(owner, w, tmp_path, codes, lambda page, name: shot(page, f"{name}-{tag}"))
    _invite_an_agent(owner, w, browser, served.url, smtp, locale)
    shot(owner, f"admin-staff-{tag}")
    owner.goto("/admin/notifications")
    owner.select_option(f"select[aria-label='{OWNER}: {w('A new paid order')}']", "each")
    owner.click(f"button:has-text('{w('Save')}')")
    shot(owner, f"admin-notifications-{tag}")

    buyer = _context(browser, served.url, locale)
    buyer.goto("/")
    assert "Lantern Keys" in buyer.inner_text("header") and "Gift cards" in buyer.inner_text("body")
    assert buyer.locator("img[src^='/images/']").count() >= 1
    shot(buyer, f"storefront-first-day-{tag}")
    assert _buy(buyer, w("Buy now")) == codes[0]
    told = _mail(smtp, OWNER, "Lantern Gift Card", seconds=60)  # the sweeper tells it, every 10 s
    assert "Lantern Keys" in told["From"]


def _words(locale: str, tmp_path):
    """English as it is; Chinese from the shop's catalog, and none may be left in English."""
    if locale == "en-US":
        return lambda words: words
    catalog = Translations.load(str(compile_catalogs(tmp_path / "catalogs")), ["zh"])

    def chinese(words: str) -> str:
        translated = catalog.gettext(words)
        assert translated != words, f"no Chinese for {words!r}"
        return translated

    return chinese


def _set_up_the_shop(page, w, tmp_path, codes: list[str], shot) -> None:
    page.goto("/admin/setup")
    page.fill("input[name=email]", OWNER)
    page.fill("input[name=password]", PASSWORD)
    page.fill("input[name=again]", PASSWORD)
    create = w("Create the owner's account")
    page.click(f'button:has-text("{create}")')
    page.goto("/admin/settings")
    page.fill("input[name=shop_name]", "Lantern Keys")
    page.fill("input[name=mail_sender_name]", "Lantern Keys")
    page.fill("input[name=support_address]", "help@lantern.test")
    shot(page, "admin-settings")
    page.click(f"button:has-text('{w('Save')}')")
    page.goto("/admin/products/new")
    for name, value in {"slug": "lantern-50", "name": "Lantern Gift Card", "price": "50.00"}.items():
        page.fill(f"input[name={name}]", value)
    page.fill("input[name=currency]", "USD")
    page.fill("input[name=category]", "Gift cards")
    page.set_input_files("input[name=image]", str(_picture(tmp_path)))
    shot(page, "admin-product-new")
    page.click(f"button:has-text('{w('Add product')}')")
    page.fill("textarea[name=codes]", "\n".join(codes))
    page.fill("input[name=name]", "first batch")
    page.click(f"button:has-text('{w('Upload')}')")


def _invite_an_agent(owner, w, browser, url: str, smtp, locale: str) -> None:
    owner.goto("/admin/staff")
    owner.fill("form[action$='/staff/invite'] input[name=email]", AGENT)
    owner.select_option("form[action$='/staff/invite'] select[name=role]", "agent")
    owner.click(f"button:has-text('{w('Send invitation')}')")
    link = re.search(r"https?://\S+/admin/join/[\w-]+", _body(_mail(smtp, AGENT, "/admin/join/"))).group(0)
    agent = _context(browser, url, locale)
    agent.goto(link)
    agent.fill("input[name=password]", "the agent's own password")
    agent.fill("input[name=again]", "the agent's own password")
    agent.click(f"button:has-text('{w('Set password')}')")
    agent.fill("input[name=email]", AGENT)
    agent.fill("input[name=password]", "the agent's own password")
    agent.click("button[type=submit]")
    agent.goto("/admin/inbox")
    assert agent.url.endswith("/admin/inbox")  # signed in: not sent back to the sign-in page


def _buy(page, button: str) -> str:
    page.click("text=Lantern Gift Card")
    page.fill("input[name=email]", "buyer@example.com")
    page.click(f"button:has-text('{button}')")
    page.click("button[value=paid]")  # the sandbox provider's page
    page.wait_for_selector("code.code", timeout=30000)
    return page.inner_text("code.code")


def _context(browser, url: str, locale: str):
    return browser.new_context(locale=locale, base_url=url).new_page()


def _picture(tmp_path):
    path = tmp_path / "card.png"
    buffer = io.BytesIO()
    Image.new("RGB", (640, 400), "#d97706").save(buffer, "PNG")
    path.write_bytes(buffer.getvalue())
    return path


def _mail(smtp, to: str, containing: str, seconds: float = 30):
    """The first mail to `to` whose text contains `containing`, waiting for it."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for message in smtp.messages:
            if to in message["To"] and containing in _body(message):
                return message
        time.sleep(0.2)
    raise AssertionError(f"no mail to {to} with {containing!r}: {[m['Subject'] for m in smtp.messages]}")


def _body(message) -> str:
    return message.get_body(("plain",)).get_content()
