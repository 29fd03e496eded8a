"""First run: the setup page makes the owner's account once; providers show their webhook address."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.core.extensions import db
from app.core.staff import Staff
from tests.payments.conftest import fake_stripe, stripe_env  # noqa: F401 (a fixture)
from tests.shop import csrf_from

PASSWORD = "a long owner password"


def _setup(client, email="owner@shop.test", password=PASSWORD, again=PASSWORD):
    form = {"csrf_token": csrf_from(client, "/admin/setup"), "email": email, "password": password, "again": again}
    return client.post("/admin/setup", data=form)


def test_the_first_visit_makes_the_owner_and_then_the_page_is_gone(app, client):
    assert client.get("/admin/login").headers["Location"].endswith("/admin/setup")
    assert _setup(client, again="something else!!").status_code == 400
    assert _setup(client, password="short", again="short").status_code == 400
    made = _setup(client)
    assert made.status_code == 302 and made.headers["Location"].endswith("/admin/payments")
    assert client.get("/admin/").status_code == 200  # signed in
    with app.app_context():
        assert db.session.execute(select(Staff.email, Staff.role)).all() == [("owner@shop.test", "owner")]
        db.session.remove()
    assert client.get("/admin/setup").status_code == 404
    other = app.test_client()
    assert other.post("/admin/setup", data={"email": "x@y.z", "password": PASSWORD, "again": PASSWORD}).status_code in (
        400,
        404,
    )  # no token, or no page: either way nothing is made
    assert other.get("/admin/login").status_code == 200


@pytest.fixture
def shop_env(shop_env, fake_stripe):
    return {**shop_env, **stripe_env(fake_stripe)}


def test_a_configured_provider_shows_the_webhook_address_to_paste(app, client):
    _setup(client)
    page = client.get("/admin/payments").get_data(as_text=True)
    assert f"{app.config['KEYSHOP'].base_url}/webhooks/stripe" in page
