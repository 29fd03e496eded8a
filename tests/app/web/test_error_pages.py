"""Error pages, storefront and admin alike: styled, in the reader's language, and a 429 says when
to try again (on the page and in Retry-After)."""

from __future__ import annotations

import re

import pytest

from app.core.extensions import db
from app.core.staff import create_staff
from tests.feedback.aftersale import staff
from tests.shop import csrf_from, sign_in


@pytest.mark.parametrize(
    "language, title", [("en", "There is nothing here"), ("de", "Hier gibt es nichts"), ("zh", "这里什么都没有")]
)
def test_a_missing_page_says_so_in_the_readers_language(client, language, title):
    answer = client.get(f"/p/no-such-product?lang={language}")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 404 and f"<h1>{title}</h1>" in page and f"<title>{title} · keyshop</title>" in page
    assert 'class="error-page"' in page and 'href="/"' in page


def test_staff_get_their_error_pages_in_their_language_with_the_way_back_to_the_admin(app, client):
    staff(app, client, "agent@shop.test", "agent")
    refused = client.get("/admin/settings?lang=zh")
    assert refused.status_code == 403 and "无权访问" in refused.get_data(as_text=True)
    missing = client.get("/admin/orders/KS-NOPE?lang=de").get_data(as_text=True)
    assert "Hier gibt es nichts" in missing and "Zurück zur Verwaltung" in missing and 'href="/admin/"' in missing


@pytest.mark.parametrize("language, title", [("en", "This form has expired"), ("de", "Dieses Formular ist abgelaufen")])
def test_a_form_without_its_token_is_an_expired_form(client, language, title):
    client.get(f"/lookup?lang={language}")
    answer = client.post("/lookup", data={"email": "a@example.com", "number": "KS-1", "csrf_token": "stale"})
    assert answer.status_code == 400 and f"<h1>{title}</h1>" in answer.get_data(as_text=True)


def test_too_many_lookups_say_when_to_try_again(client):
    form = {"csrf_token": csrf_from(client, "/lookup?lang=de"), "number": "KS-1"}
    answers = [client.post("/lookup", data={**form, "email": f"b{n}@example.com"}) for n in range(11)]
    assert [a.status_code for a in answers] == [200] * 10 + [429]
    wait = int(answers[-1].headers["Retry-After"])
    assert 3500 < wait <= 3600  # the hour's window, just begun
    page = answers[-1].get_data(as_text=True)
    assert "Zu viele Versuche" in page and re.search(r"Versuchen Sie es in (59|60) Minuten erneut", page)


def test_a_throttled_sign_in_says_when_too(app, client):
    with app.app_context():
        create_staff(db.session, "owner@shop.test", "a long staff password")
        db.session.remove()
    answers = [sign_in(client, "owner@shop.test", "wrong password!") for _ in range(6)]
    assert [a.status_code for a in answers] == [401] * 5 + [429]
    assert 800 < int(answers[-1].headers["Retry-After"]) <= 900


def test_the_json_api_says_when_to_try_again_in_retry_after(client):
    order = {"product": "no-such-product", "quantity": 1, "email": "a@example.com", "method": "sandbox"}
    answers = [client.post("/api/v1/orders", json=order) for _ in range(31)]  # 30 an hour per address
    assert answers[-2].status_code == 422 and answers[-1].status_code == 429  # refused, yet counted
    assert "Retry-After" not in answers[-2].headers and 3500 < int(answers[-1].headers["Retry-After"]) <= 3600
