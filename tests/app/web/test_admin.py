"""Staff sign-in and the dashboard: orders and stock are visible, codes never."""

from __future__ import annotations

from app.core.extensions import db
from app.core.staff import create_staff
from tests.shop import csrf_from, make_product, place, sign_in, stock, unique_codes

PASSWORD = "a long staff password"


def _owner(app):
    with app.app_context():
        create_staff(db.session, "owner@example.com", PASSWORD)
        db.session.remove()


def test_the_dashboard_needs_a_signed_in_staff_member(client):
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login" in response.headers["Location"]


def test_a_wrong_password_is_refused(app, client):
    _owner(app)
    response = sign_in(client, "owner@example.com", "wrong password!")
    assert response.status_code == 401 and b"Wrong email or password" in response.data
    assert client.get("/admin/").status_code == 302


def test_the_dashboard_lists_orders_and_stock_but_no_code(app, client):
    _owner(app)
    product_id = make_product(app, "card")
    codes = unique_codes(3)
    stock(app, product_id, codes)
    placed = place(app, "card")
    response = sign_in(client, "owner@example.com", PASSWORD)
    assert response.status_code == 302
    page = client.get("/admin/").get_data(as_text=True)
    assert placed.number in page and "Card" in page
    assert not any(code in page for code in codes)


def test_sign_out_ends_the_session(app, client):
    _owner(app)
    sign_in(client, "owner@example.com", PASSWORD)
    assert client.get("/admin/").status_code == 200
    client.post("/admin/logout", data={"csrf_token": csrf_from(client, "/admin/")})
    assert client.get("/admin/").status_code == 302


def test_a_form_without_its_csrf_token_is_refused(app, client):
    _owner(app)
    response = client.post("/admin/login", data={"email": "owner@example.com", "password": PASSWORD})
    assert response.status_code == 400 and b"did not come from this site" in response.data
    assert client.get("/admin/").status_code == 302
