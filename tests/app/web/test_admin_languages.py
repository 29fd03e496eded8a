"""The admin in English, German and Chinese: a staff member switches the language on any admin page
(?lang=, remembered in a cookie like the storefront's), and the dashboard, the orders, an order,
the reported codes and the inbox read in it, states and events in human words, never as the
identifiers they are stored as."""

from __future__ import annotations

import re
from html import unescape

import pytest

from app.core.extensions import db
from delivery.fulfil import fulfil
from feedback.reports import report_code
from feedback.support.conversations import Opening, open_conversation
from tests.feedback.aftersale import codes_of, delivered, staff
from tests.shop import make_product, place, sandbox_webhook, stock

STORED_STATES = ("awaiting_stock", "waiting_buyer", "already_used", "missing_code", "shop.order.awaiting_stock")
GERMAN = {
    "/admin/": ("Der Shop auf einen Blick", "Neueste Bestellungen", "bezahlt, wartet auf Bestand", "geliefert"),
    "/admin/orders": ("Bestellungen", "Nummer oder E-Mail", "wartet auf Zahlung", "bezahlt, wartet auf Bestand"),
    "/admin/reports": ("Als nicht funktionierend gemeldete Codes", "Bereits benutzt", "Aus dem Bestand ersetzen"),
    "/admin/inbox": ("Posteingang", "wartet auf uns", "Ich habe meinen Code nicht bekommen", "nicht zugewiesen"),
}
CHINESE = {
    "/admin/": ("店铺概览", "最近订单", "已付款，等待补货", "已发货"),
    "/admin/orders": ("订单", "编号或邮箱", "等待付款", "已付款，等待补货"),
    "/admin/reports": ("被报告无效的卡密", "已被使用", "从库存中替换"),
    "/admin/inbox": ("收件箱", "等待我们回复", "未分配"),
}


UNSEEN = re.compile(r"<(script|style|title)\b.*?</\1>", re.S)
TAG = re.compile(r"<[^>]*>")


def visible_text(html: str) -> str:
    """What a reader sees: the text between tags, without scripts, styles, the title and attributes."""
    return unescape(TAG.sub(" ", UNSEEN.sub(" ", html)))


@pytest.fixture
def busy_shop(app, client) -> dict:
    """An order delivered and its code reported, an order paid but waiting for stock, and a
    conversation about a missing code; an owner signed in."""
    product_id = make_product(app, "card")
    stock(app, product_id, ["CODE-ONE"])
    first = delivered(app, client, email="first@example.com")
    waiting = place(app, "card", email="second@example.com")
    headers, body = sandbox_webhook(app, waiting.number, 999)
    assert client.post("/webhooks/sandbox", data=body, headers=headers).status_code == 200
    with app.app_context():
        assert fulfil(db.session, waiting.order_id) == "awaiting_stock"
        report_code(db.session, first.order_id, codes_of(app, first.order_id)[0][0], "already_used")
        conversation = open_conversation(
            db.session,
            {"presale": 48, "problem": 48, "service": 48},
            Opening("second@example.com", "missing_code", "Where?"),
        )
        db.session.remove()
    staff(app, client, email="owner@shop.test", role="owner")
    return {"waiting": waiting.number, "conversation": conversation.number}


def _read(client, path: str) -> str:
    answer = client.get(path)
    assert answer.status_code == 200, path
    return answer.get_data(as_text=True)


def _assert_reads_in(client, pages: dict, order_page: tuple[str, ...], shop: dict) -> None:
    for path, words in {**pages, f"/admin/orders/{shop['waiting']}": order_page}.items():
        text = visible_text(_read(client, path))
        assert [w for w in words if w not in text] == [], path
        assert [raw for raw in STORED_STATES if raw in text] == [], path


def test_a_staff_member_switches_the_admin_to_german_then_to_chinese(client, busy_shop):
    assert "Der Shop auf einen Blick" in _read(client, "/admin/?lang=de")  # chosen once, then remembered
    german_order = ("Bestellung", "Zahlungen", "Verlauf", "Wartet auf Bestand", "E-Mails an den Käufer")
    _assert_reads_in(client, GERMAN, german_order, busy_shop)
    conversation = visible_text(_read(client, f"/admin/conversations/{busy_shop['conversation']}"))
    assert "Interne Notiz (wird dem Käufer nie gezeigt)" in conversation and "missing_code" not in conversation

    assert "编号或邮箱" in visible_text(_read(client, "/admin/orders?lang=zh"))  # any admin page switches
    _assert_reads_in(client, CHINESE, ("订单", "付款", "时间线", "等待补货"), busy_shop)


def test_english_stays_the_default_and_reads_human_words_too(client, busy_shop):
    text = visible_text(_read(client, "/admin/"))
    assert "Shop at a glance" in text and "paid, waiting for stock" in text and "awaiting_stock" not in text
    order = visible_text(_read(client, f"/admin/orders/{busy_shop['waiting']}"))
    assert "Waiting for stock" in order and "shop.order.awaiting_stock" not in order


def test_every_admin_page_offers_the_languages_and_keeps_its_filter(client, busy_shop):
    page = _read(client, "/admin/orders?status=awaiting_stock&page=1")
    for code in ("en", "de", "zh"):
        assert f'href="/admin/orders?status=awaiting_stock&amp;page=1&amp;lang={code}"' in page
    assert busy_shop["waiting"] in _read(client, "/admin/orders?status=awaiting_stock&page=1&lang=de")


@pytest.mark.parametrize("hostile", ["%00", "de%00", "%ED%A0%80", "xx", "de-DE", "x" * 5000, "../de", "zh%26lang%3Dde"])
def test_a_hostile_language_is_ignored_never_a_500(client, busy_shop, hostile):
    _read(client, "/admin/?lang=de")
    answer = client.get(f"/admin/?lang={hostile}")
    assert answer.status_code in (200, 400)
    assert "keyshop_lang" not in answer.headers.get("Set-Cookie", "")
    assert "Der Shop auf einen Blick" in _read(client, "/admin/")  # the choice before stays
