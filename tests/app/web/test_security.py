"""Security properties every page shares: headers, CSRF on every form, one 404 for every wrong
token, login throttling that never locks the owner out, and the owners' audit log."""

from __future__ import annotations

import re
import threading
import time

import requests
from sqlalchemy import select

from app.core.audit import AuditEntry
from app.core.extensions import db
from app.core.staff import create_staff
from app.web.admin.stock import REVEALS_PER_HOUR
from keystore.models import Code
from tests.feedback.aftersale import codes_of, delivered, staff
from tests.shop import csrf_from, make_product, stock, unique_codes

PASSWORD = "a long owner password"


def _order_and_conversation(app, client):
    product_id = make_product(app, "card")
    stock(app, product_id, unique_codes(2))
    placed = delivered(app, client)
    link = client.post(
        f"/o/{placed.token}/support",
        data={"csrf_token": csrf_from(client, f"/o/{placed.token}/support"), "topic": "invoice", "message": "hi"},
    ).headers["Location"]
    return placed, link.split("/c/")[1]


def test_pages_carry_a_strict_policy_and_order_pages_leak_nothing(app, client):
    placed, _ = _order_and_conversation(app, client)
    for path in ("/", "/p/card", "/lookup", f"/o/{placed.token}"):
        headers = client.get(path).headers
        assert (
            "script-src 'self'" in headers["Content-Security-Policy"]
            and "'unsafe-inline'" not in headers["Content-Security-Policy"]
        )
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff" and "Strict-Transport-Security" not in headers
    order = client.get(f"/o/{placed.token}").headers
    assert order["Referrer-Policy"] == "no-referrer" and order["Cache-Control"] == "no-store"


def test_every_buyer_form_without_its_csrf_token_is_refused(app, client):
    placed, conversation = _order_and_conversation(app, client)
    [(code_id, _)] = codes_of(app, placed.order_id)
    forms = {
        "/checkout": {"product": "card", "email": "a@b.co", "method": "sandbox", "quantity": "1"},
        f"/o/{placed.token}/report": {"code": code_id, "reason": "invalid"},
        f"/o/{placed.token}/review": {"stars": "5"},
        f"/o/{placed.token}/support": {"topic": "invoice", "message": "x"},
        "/p/card/ask": {"email": "a@b.co", "message": "x"},
        f"/c/{conversation}/reply": {"message": "x"},
        f"/c/{conversation}/rate": {"score": "5"},
        "/lookup": {"email": "a@b.co", "number": placed.number},
        "/admin/login": {"email": "a@b.co"},
    }
    for path, form in forms.items():
        assert client.post(path, data=form).status_code == 400, path
        assert client.post(path, data={**form, "csrf_token": "forged"}).status_code == 400, path
    assert codes_of(app, placed.order_id) == [(code_id, "delivered")]  # nothing changed


def test_every_route_that_takes_a_token_answers_404_for_a_wrong_one(app, client):
    placed, conversation = _order_and_conversation(app, client)
    csrf = csrf_from(client, f"/o/{placed.token}")
    for token in (placed.token[:-1], placed.token + "x", "A" * len(placed.token), placed.number):
        assert client.get(f"/o/{token}").status_code == 404
        assert client.get(f"/o/{token}/support").status_code == 404
        assert client.get(f"/api/v1/orders/{token}").status_code == 404
        for action in ("report", "review", "support"):
            assert client.post(f"/o/{token}/{action}", data={"csrf_token": csrf}).status_code == 404
    for token in (conversation[:-1], conversation + "x", "A" * len(conversation)):
        assert client.get(f"/c/{token}").status_code == 404
        assert client.get(f"/c/{token}/files/1").status_code == 404
        for action in ("reply", "rate"):
            assert client.post(f"/c/{token}/{action}", data={"csrf_token": csrf}).status_code == 404


def _login(client, email, password, address):
    form = {"csrf_token": csrf_from(client, "/admin/login"), "email": email, "password": password}
    return client.post("/admin/login", data=form, environ_base={"REMOTE_ADDR": address})


def test_guessing_passwords_is_throttled_but_the_owner_still_signs_in_from_elsewhere(app, client):
    with app.app_context():
        create_staff(db.session, "owner@shop.test", PASSWORD)
        db.session.remove()
    attacker = [_login(client, "owner@shop.test", f"guess {n} wrong!!", "203.0.113.9").status_code for n in range(6)]
    assert attacker == [401] * 5 + [429]
    assert _login(client, "owner@shop.test", PASSWORD, "203.0.113.9").status_code == 429  # even the right one
    owner = app.test_client()  # a fresh session, from the owner's own machine
    assert _login(owner, "owner@shop.test", PASSWORD, "198.51.100.7").status_code == 302


def _login_form(url: str) -> tuple[requests.Session, str]:
    browser = requests.Session()
    page = browser.get(f"{url}/admin/login", timeout=30).text
    return browser, re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_forty_wrong_passwords_at_once_get_only_five_password_checks(app, live_server):
    """A 401 is a password that was checked and found wrong; a 429 was refused before any check."""
    with app.app_context():
        create_staff(db.session, "owner@shop.test", PASSWORD)
        db.session.remove()
    forms = [_login_form(live_server.url) for _ in range(40)]
    start, statuses = threading.Barrier(len(forms)), []

    def guess(n: int, browser: requests.Session, csrf: str) -> None:
        start.wait()
        for _ in range(3):  # a connection reset under load is tried again: it can only add a 429
            try:
                statuses.append(
                    browser.post(
                        f"{live_server.url}/admin/login",
                        timeout=60,
                        allow_redirects=False,
                        data={"csrf_token": csrf, "email": "owner@shop.test", "password": f"guess {n} wrong!!"},
                    ).status_code
                )
                return
            except requests.ConnectionError:
                time.sleep(0.2)

    threads = [threading.Thread(target=guess, args=(n, *form)) for n, form in enumerate(forms)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(statuses) == [401] * 5 + [429] * 35


def test_owners_read_and_export_the_audit_log_and_agents_cannot(app, client):
    staff(app, client)
    assert client.get("/admin/audit").status_code == 403 and client.get("/admin/audit.csv").status_code == 403
    owner = app.test_client()
    staff(app, owner, "owner@shop.test", role="owner")
    staff_post = owner.post(
        f"/admin/products/{make_product(app, 'card')}/instructions",
        data={"csrf_token": csrf_from(owner, "/admin/"), "instructions": "Redeem it"},
    )
    assert staff_post.status_code == 302
    assert "shop.product.instructions" in owner.get("/admin/audit").get_data(as_text=True)
    exported = owner.get("/admin/audit.csv?action=shop.product").get_data().decode("utf-8-sig")  # behind its BOM
    assert exported.splitlines()[0].startswith("id,created_at,actor,action") and "Redeem it" in exported
    with app.app_context():
        assert (
            db.session.scalar(select(AuditEntry.actor).where(AuditEntry.action == "app.audit.exported"))
            == "owner@shop.test"
        )
        db.session.remove()


def test_signing_out_everywhere_ends_the_other_sessions_too(app, client):
    with app.app_context():
        create_staff(db.session, "owner@shop.test", PASSWORD)
        db.session.remove()
    laptop, phone = app.test_client(), app.test_client()
    for device in (laptop, phone):
        assert _login(device, "owner@shop.test", PASSWORD, "198.51.100.7").status_code == 302
        assert device.get("/admin/").status_code == 200
    laptop.post("/admin/logout-everywhere", data={"csrf_token": csrf_from(laptop, "/admin/")})
    assert phone.get("/admin/").status_code == 302 and laptop.get("/admin/").status_code == 302
    assert _login(phone, "owner@shop.test", PASSWORD, "198.51.100.7").status_code == 302  # a new sign-in works
    assert phone.get("/admin/").status_code == 200


def test_code_reveals_are_limited_per_account(app, client):
    product_id = make_product(app, "card")
    stock(app, product_id, unique_codes(1))
    with app.app_context():
        code_id = db.session.scalar(select(Code.id))
        db.session.remove()
    staff(app, client, "owner@shop.test", role="owner")
    form = {"csrf_token": csrf_from(client, "/admin/"), "reason": "buyer says it fails"}
    answers = [
        client.post(f"/admin/codes/{code_id}/reveal", data=form).status_code for _ in range(REVEALS_PER_HOUR + 1)
    ]
    assert answers == [200] * REVEALS_PER_HOUR + [429]
    other_owner = app.test_client()
    staff(app, other_owner, "second@shop.test", role="owner")
    assert (
        other_owner.post(
            f"/admin/codes/{code_id}/reveal",
            data={"csrf_token": csrf_from(other_owner, "/admin/"), "reason": "checking"},
        ).status_code
        == 200
    )


def test_a_session_cookie_set_over_https_is_secure_without_an_https_keyshop_base_url(client):
    """The base URL may be the owner's (shop settings), which the app does not know when it starts."""
    assert "Secure" not in client.get("/lookup").headers.get("Set-Cookie", "")
    over_https = client.get("/lookup", base_url="https://shop.example").headers.get("Set-Cookie", "")
    assert "Secure" in over_https and "HttpOnly" in over_https
