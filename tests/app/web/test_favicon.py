"""The shop's icon: served where browsers look for it, with the type its bytes are, linked from every page."""

from __future__ import annotations

import re

from tests.feedback.aftersale import staff
from tests.shop import make_product


def test_the_favicon_is_an_icon_file_served_as_one(app, client):
    response = client.get("/favicon.ico")
    body = response.get_data()
    assert response.status_code == 200 and response.mimetype == "image/vnd.microsoft.icon"
    assert body[:4] == b"\x00\x00\x01\x00" and int.from_bytes(body[4:6], "little") >= 1  # an ICO with an image
    assert "max-age=86400" in response.headers["Cache-Control"]


def test_storefront_and_admin_pages_link_the_favicon(app, client):
    make_product(app, "card")
    pages = [client.get("/").get_data(as_text=True), client.get("/p/card").get_data(as_text=True)]
    staff(app, client)
    pages.append(client.get("/admin/").get_data(as_text=True))
    for page in pages:
        link = re.search(r'<link rel="icon" href="([^"]+)"', page)
        assert link and client.get(link.group(1)).status_code == 200
