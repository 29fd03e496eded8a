"""The help center and the support widget in a real browser: the answer in two clicks from any page
in Chinese, suggestions that close the attempt, a staff reply appearing in the open widget without
a reload, a proactive note shown once, and the plain links that work with JavaScript off."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.core.audit import CLI
from app.core.extensions import db
from app.core.shop_settings import change_setting
from feedback.help.demo import seed_help
from feedback.help.models import HelpEvent
from tests.feedback.aftersale import staff, staff_post
from tests.shop import make_product

pytestmark = pytest.mark.slow


@pytest.fixture
def help_shop(app):
    make_product(app, "steam-wallet-20")
    with app.app_context():
        seed_help(db.session)
        change_setting(db.session, CLI, "notice_repeat_views", "2")
        db.session.remove()


@pytest.mark.parametrize("backend", ["postgresql"])  # one backend each: the pages are the same on both
def test_the_widget_finds_answers_and_follows_replies_live(app, help_shop, page_in, shot):
    page = page_in("zh-CN")
    page.goto("/trust")
    page.click(".widget-button")  # click one
    page.fill(".widget-search input[name=q]", "兑换")
    page.wait_for_selector("#widget-hits li a:has-text('如何兑换')")
    page.click("#widget-hits li a:has-text('Steam')")  # click two
    assert page.inner_text("h1") == "如何兑换 Steam 钱包充值码"

    page.goto("/ask")
    page.fill("textarea[name=message]", "退款")
    page.wait_for_selector("#support-suggestions li a:has-text('退款如何处理')")
    page.click("#support-suggestions li:has-text('退款如何处理') button.answered")
    page.wait_for_selector("text=很高兴帮到您")
    assert _events(app, "deflected") == 1

    page.goto("/ask")
    page.fill("input[name=email]", "asker@example.com")
    page.fill("textarea[name=message]", "我的卡可以在香港用吗？")
    page.click("button[type=submit]")
    page.wait_for_url("**/c/**")
    number = page.title().split(" · ")[0]
    page.goto("/")
    page.click(".widget-button")
    page.wait_for_selector(f".widget-conversations li:has-text('{number}')")
    agent = app.test_client()
    staff(app, agent)
    assert staff_post(agent, f"/admin/conversations/{number}/reply", body="可以，香港账户适用。").status_code == 302
    page.wait_for_selector(".widget-conversations .reply:has-text('香港账户适用')", timeout=15000)  # no reload
    assert page.inner_text(".widget-badge") == "1"
    shot(page, "widget-zh")


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_proactive_note_shows_once_and_the_widget_is_a_link_without_javascript(
    app, help_shop, browser, live_server, page_in
):
    page = page_in("en-US")
    page.goto("/p/steam-wallet-20")
    page.goto("/p/steam-wallet-20")  # the second view in a day: the shop offers help
    page.wait_for_selector(".widget-notices li:has-text('Questions about Steam-Wallet-20')")
    page.click(".widget-notices li a")
    assert page.url.endswith("/help/redeem-steam-wallet")
    page.goto("/")
    page.wait_for_timeout(500)
    assert page.locator(".widget-notices li").count() == 1  # kept for this visit, not given again
    plain = browser.new_context(java_script_enabled=False, base_url=live_server.url).new_page()
    plain.goto("/")
    plain.click(".widget-button")
    assert plain.url.endswith("/help/") and plain.inner_text("h1") == "Help center"
    plain.context.close()


def _events(app, kind: str) -> int:
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(HelpEvent).where(HelpEvent.kind == kind))
        db.session.remove()
    return count
