"""Every mail renders in every language, with every word translated; one function hands mail to the transport."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from app.core.languages import LANGUAGES
from delivery.mail.compose import TEMPLATES, render
from delivery.mail.kinds import ORDER_MAIL_KINDS
from delivery.order_view import RefundLine

ROOT = Path(__file__).resolve().parents[2]
ORDER = dict(
    number="K-ABC123",
    product="Gift <card>",
    quantity=2,
    codes=["CODE-1", "CODE-2"],
    refunds=[RefundLine(999, "EUR", "succeeded")],
    order_url="https://shop.example/o/token",
)
MAILS = [(kind.template, ORDER) for kind in ORDER_MAIL_KINDS.values()] + [
    ("support", dict(number="C-1", link="https://shop.example/c/t", mail="opened", hours=48)),
    ("support", dict(number="C-1", link="https://shop.example/c/t", mail="reply", subject="Hi", answer="Done")),
    ("support", dict(number="C-1", link="https://shop.example/c/t", mail="survey")),
    ("notice", dict(number="K-ABC123", notice="A note", order_url="https://shop.example/o/token")),
]


def _template_words() -> set[str]:
    method_map = [("**.txt", "jinja2"), ("**.html", "jinja2")]
    return {message for _, _, message, *_ in extract_from_dir(str(TEMPLATES), method_map)}


@pytest.mark.parametrize("language", [language for language in LANGUAGES if language != "en"])
def test_every_word_of_every_mail_template_is_in_the_catalog_translated(language):
    with (ROOT / "app" / "translations" / language / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalog = read_po(po)
    words = _template_words()
    assert len(words) > 20
    assert [w for w in sorted(words) if not (catalog.get(w) and catalog.get(w).string)] == []


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name, values", MAILS)
def test_every_mail_renders_in_every_language(app, language, name, values):
    with app.app_context():
        subject, text, html = render(name, language, **values)
        english = render(name, "en", **values)
    assert subject.strip() and "\n" not in subject and values["number"] in subject
    assert html.startswith(f'<!doctype html><html lang="{language}">')
    for link in (v for k, v in values.items() if k in ("order_url", "link")):
        assert link in text and link in html
    if language != "en":
        assert (subject, text) != english[:2]  # translated, not English left in place
    if name in ("delivered", "replaced"):
        assert "CODE-2" in text and "<code>CODE-2</code>" in html
    if name in ("delivered", "lookup", "awaiting_stock", "refunded"):
        assert "Gift &lt;card&gt;" in html and "<card>" not in html  # the HTML is escaped, the text is not


def test_only_the_send_function_hands_mail_to_the_transport():
    """Every route out of the mail package ends in delivery.mail.send.send_claimed."""
    callers = []
    for package in ("app", "delivery", "feedback", "keystore", "payments"):
        for path in (ROOT / package).rglob("*.py"):
            tree = ast.parse(path.read_text())
            for node in ast.walk(tree):
                if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) in (
                    "transport",
                    "send_message",
                    "sendmail",
                ):
                    callers.append(str(path.relative_to(ROOT)))
    assert sorted(set(callers)) == ["delivery/mail/send.py", "delivery/mail/transport.py"]
