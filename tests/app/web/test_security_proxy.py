"""Behind a reverse proxy that terminates HTTPS (KEYSHOP_PROXY_HOPS=1, an https base URL)."""

from __future__ import annotations

import pytest

from tests.shop import make_product


@pytest.fixture
def shop_env(shop_env):
    return {**shop_env, "KEYSHOP_PROXY_HOPS": "1", "KEYSHOP_BASE_URL": "https://shop.example"}


def test_behind_a_proxy_https_turns_on_hsts_and_secure_cookies(app, client):
    make_product(app, "card")
    response = client.get("/p/card", headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "192.0.2.1"})
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    cookie = response.headers.get("Set-Cookie", "")
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
