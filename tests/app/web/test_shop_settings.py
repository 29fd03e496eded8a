"""The owner's shop settings: the shop's name and footer pages on the storefront, the public base
URL in every link, refusals that name the field and write nothing, an audit entry per change."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app import create_app
from app.core.audit import AuditEntry
from app.core.extensions import db
from app.core.settings import Settings
from app.core.shop_settings import ShopSetting
from tests.feedback.aftersale import staff, staff_post
from tests.shop import csrf_from, make_product, stock, unique_codes


@pytest.fixture
def shop_env(shop_env):
    """No KEYSHOP_BASE_URL: the owner's base URL counts (one test sets the variable itself)."""
    return {name: value for name, value in shop_env.items() if name != "KEYSHOP_BASE_URL"}


def _owner(app, client):
    staff(app, client, "owner@shop.test", "owner")


def _changes(app) -> list[tuple[str, str, str]]:
    with app.app_context():
        rows = db.session.execute(
            select(AuditEntry.actor, AuditEntry.target, AuditEntry.detail)
            .where(AuditEntry.action == "shop.settings.changed")
            .order_by(AuditEntry.id)
        ).all()
        db.session.remove()
    return [tuple(row) for row in rows]


def _stored(app) -> dict[str, str]:
    with app.app_context():
        rows = dict(db.session.execute(select(ShopSetting.key, ShopSetting.value)).all())
        db.session.remove()
    return rows


def test_the_owner_names_the_shop_and_writes_its_footer_pages(app, client):
    _owner(app, client)
    terms = "## Refunds\n\nCodes are **final**. <script>alert(1)</script>"
    saved = staff_post(client, "/admin/settings", shop_name="Nordlicht Keys", page_terms=terms, page_privacy="")
    assert saved.status_code == 302
    assert "Settings saved." in client.get("/admin/settings").get_data(as_text=True)

    home = client.get("/").get_data(as_text=True)
    assert "<title>Nordlicht Keys</title>" in home and ">Nordlicht Keys</a>" in home
    assert 'href="/terms"' in home and 'href="/privacy"' not in home  # an empty page is not linked
    page = client.get("/terms?lang=de")
    text = page.get_data(as_text=True)
    assert (
        page.status_code == 200 and "<strong>final</strong>" in text and "<title>AGB · Nordlicht Keys</title>" in text
    )
    assert "<script>" not in text.split("</header>")[1].split("<footer")[0]  # the owner's Markdown runs no script
    assert client.get("/privacy").status_code == 404

    assert _changes(app) == [
        ("owner@shop.test", "shop_name", "Nordlicht Keys"),
        ("owner@shop.test", "page_terms", terms),
    ]
    again = staff_post(client, "/admin/settings", follow_redirects=True, shop_name="Nordlicht Keys", page_terms=terms)
    assert "Nichts geändert." in again.get_data(as_text=True) and len(_changes(app)) == 2  # German since ?lang=de


@pytest.mark.parametrize(
    "field, value, said",
    [
        ("shop_name", "x" * 101, "Shop name: at most 100 characters"),
        ("shop_name", "   ", "Shop name: must not be empty"),
        ("mail_sender_name", "Shop\r\nBcc: everyone@example.com", "Mail sender name: must be one line"),
        ("mail_sender_address", "shop at example", "Mail sender address: is not an email address"),
        ("support_address", "help@example.com\nBcc: x@example.com", "Support address: must be one line"),
        ("base_url", "https://shop.example.com/x", "Public base URL: no path"),
        ("base_url", "https://evil.example\\@shop.example.com", "Public base URL: no spaces, backslashes"),
        ("page_imprint", "x" * 50_001, "Imprint: at most 50000 characters"),
    ],
)
def test_a_bad_field_is_named_and_nothing_is_written(app, client, field, value, said):
    _owner(app, client)
    before = _stored(app)
    answer = staff_post(client, "/admin/settings", **{"shop_name": "Half Written", field: value})
    assert answer.status_code == 400 and said in answer.get_data(as_text=True)
    if field != "shop_name":
        assert 'value="Half Written"' in answer.get_data(as_text=True)  # the form comes back as it was sent
    assert _stored(app) == before and _changes(app) == []  # not even the good field


def _multipart(fields: dict[str, bytes]) -> bytes:
    parts = [
        b'--b\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n' % (k.encode(), v) for k, v in fields.items()
    ]
    return b"".join(parts) + b"--b--\r\n"


@pytest.mark.parametrize("value", [b"Nord\x00licht", b"Nord\xed\xa0\x80licht", b"Nord\xfflicht"])
def test_a_nul_byte_a_lone_surrogate_or_bytes_not_utf8_are_refused(app, client, value):
    """NUL is refused at the door (app.web.hostile); a surrogate's bytes, or any not UTF-8, reach the
    view as U+FFFD, what the form's decoder left of them, and are refused there."""
    _owner(app, client)
    form = {"csrf_token": csrf_from(client, "/admin/settings").encode(), "page_terms": b"fine", "shop_name": value}
    answer = client.post("/admin/settings", data=_multipart(form), content_type="multipart/form-data; boundary=b")
    named = "shop_name: " if b"\x00" in value else "Shop name: holds bytes that are not text"
    assert answer.status_code == 400 and named in answer.get_data(as_text=True)
    assert _changes(app) == []


def test_an_agent_may_not_change_the_settings(app, client):
    staff(app, client, "agent@shop.test", "agent")
    assert client.get("/admin/settings").status_code == 403
    assert staff_post(client, "/admin/settings", shop_name="Mine now").status_code == 403
    assert _changes(app) == []


def _api_order(client) -> dict:
    order = {"product": "card", "quantity": 1, "email": "buyer@example.com", "method": "sandbox"}
    answer = client.post("/api/v1/orders", json=order, environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert answer.status_code == 201, answer.get_data(as_text=True)
    return answer.get_json()


def test_the_owners_base_url_is_in_every_link_and_staff_are_warned_elsewhere(app, client):
    stock(app, make_product(app, "card"), unique_codes(2))
    _owner(app, client)
    assert staff_post(client, "/admin/settings", base_url="https://Shop.Example.com:443/").status_code == 302
    order = _api_order(client)
    assert order["payment"]["url"].startswith("https://shop.example.com/sandbox/pay?")
    settings_page = client.get("/admin/settings").get_data(as_text=True)
    assert "Links now point to https://shop.example.com." in settings_page
    warning = "This page was reached at http://localhost/, but the links keyshop sends"
    assert warning in client.get("/admin/").get_data(as_text=True)
    here = client.get("/admin/", base_url="https://shop.example.com").get_data(as_text=True)
    assert warning.split(" at ")[0] not in here  # arriving where the links point: no warning
    assert "reached at" not in client.get("/").get_data(as_text=True)  # buyers never see it

    assert staff_post(client, "/admin/settings", base_url="").status_code == 302
    assert _api_order(client)["payment"]["url"].startswith("http://127.0.0.1:5000/sandbox/pay?")


def test_keyshop_base_url_in_the_environment_wins_and_the_page_says_so(app, shop_env):
    pinned = create_app(Settings.from_env({**shop_env, "KEYSHOP_BASE_URL": "https://env.example"}))
    client = pinned.test_client()
    stock(pinned, make_product(pinned, "card"), unique_codes(1))
    _owner(pinned, client)
    page = client.get("/admin/settings").get_data(as_text=True)
    assert "Set by KEYSHOP_BASE_URL" in page and 'name="base_url"' not in page
    assert staff_post(client, "/admin/settings", base_url="https://owner.example").status_code == 302
    assert _api_order(client)["payment"]["url"].startswith("https://env.example/sandbox/pay?")
    with pinned.app_context():
        assert db.session.scalar(select(func.count()).where(ShopSetting.key == "base_url")) == 0
        db.session.remove()
