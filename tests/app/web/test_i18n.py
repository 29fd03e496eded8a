"""The storefront in English, German and Chinese: chosen, remembered, stored on the order."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from sqlalchemy import select

from app.core.extensions import db
from app.core.models import Order
from tests.shop import csrf_from, make_product

ROOT = Path(__file__).resolve().parents[3]
ERRORS = ("BuyerError", "CheckoutError", "ReportError", "ReviewError", "SupportError", "TextError", "AttachmentError")
SOURCES = [
    ("app", [("**.py", "python"), ("templates/**.html", "jinja2")]),
    ("feedback", [("**.py", "python")]),
    ("payments", [("checkout.py", "python")]),
]


def test_the_browser_language_is_used_then_a_choice_is_remembered(app, client):
    make_product(app, "card", price="9.99", currency="EUR")
    assert "立即购买" in client.get("/p/card", headers={"Accept-Language": "zh-CN,zh;q=0.9"}).get_data(as_text=True)
    german = client.get("/p/card?lang=de").get_data(as_text=True)
    assert "Jetzt kaufen" in german and "9,99\xa0€" in german and '<html lang="de">' in german
    again = client.get("/p/card", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "Jetzt kaufen" in again  # the choice wins over the browser, and is remembered
    assert "Buy now" in client.get("/p/card?lang=en").get_data(as_text=True)
    assert "Buy now" in client.get("/p/card?lang=xx").get_data(as_text=True)  # unknown: ignored


def test_an_order_keeps_the_language_it_was_placed_in(app, client):
    make_product(app, "card")
    client.get("/p/card?lang=zh")
    form = {
        "csrf_token": csrf_from(client, "/p/card"),
        "product": "card",
        "quantity": "1",
        "email": "li@example.com",
        "method": "sandbox",
    }
    assert client.post("/checkout", data=form).status_code == 303
    with app.app_context():
        assert db.session.scalar(select(Order.locale)) == "zh"
        db.session.remove()


def test_every_buyer_facing_string_has_a_german_and_a_chinese_translation():
    keywords = {
        "_": None,
        "gettext": None,
        "ngettext": (1, 2),
        "lazy_gettext": None,
        **{error: (2,) for error in ERRORS},
    }  # as `make messages` extracts
    used = {
        found[2]
        for folder, kinds in SOURCES
        for found in extract_from_dir(str(ROOT / folder), method_map=kinds, keywords=keywords)
    }
    assert len(used) > 150
    for language in ("de", "zh"):
        with (ROOT / f"app/translations/{language}/LC_MESSAGES/messages.po").open("rb") as po:
            catalog = read_po(po)
        missing = [
            m
            for m in used
            if not (catalog.get(m[0] if isinstance(m, tuple) else m) or None)
            or not catalog.get(m[0] if isinstance(m, tuple) else m).string
        ]
        assert missing == [], (language, missing[:5])


def test_a_refusal_reads_in_the_buyers_language(app, client):
    make_product(app, "card")
    client.get("/p/card?lang=de")
    form = {
        "csrf_token": csrf_from(client, "/p/card"),
        "product": "card",
        "quantity": "1",
        "email": "not-an-address",
        "method": "sandbox",
    }
    response = client.post("/checkout", data=form)
    assert response.status_code == 400 and "E-Mail: ist keine E-Mail-Adresse" in response.get_data(as_text=True)
