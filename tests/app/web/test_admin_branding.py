"""The shop's logo: uploaded by an owner, validated and re-encoded like product pictures, in the
header of every page, removable; audited."""

from __future__ import annotations

import io

from sqlalchemy import select

from app.core.audit import AuditEntry
from app.core.extensions import db
from tests.app.core.test_image_bytes import picture_bytes
from tests.app.web.test_admin_catalog import signed_in
from tests.shop import csrf_from, in_app


def upload(client, data: bytes, name="logo.png"):
    token = csrf_from(client, "/admin/branding")
    return client.post(
        "/admin/branding/logo",
        data={"csrf_token": token, "logo": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_the_logo_is_shrunk_shown_in_the_header_and_removed(app, client):
    signed_in(app, client)
    assert upload(client, picture_bytes((1200, 400), mode="RGBA")).status_code == 302
    header = client.get("/").get_data(as_text=True)
    src = header.split('<img class="logo" src="')[1].split('"')[0]
    logo = client.get(src)
    assert logo.headers["Content-Type"] == "image/png" and logo.headers["X-Content-Type-Options"] == "nosniff"
    assert logo.data.startswith(b"\x89PNG")
    token = csrf_from(client, "/admin/branding")
    assert client.post("/admin/branding/logo/remove", data={"csrf_token": token}).status_code == 302
    assert 'class="logo"' not in client.get("/").get_data(as_text=True)
    actions = in_app(app, lambda: list(db.session.scalars(select(AuditEntry.action))))
    assert "shop.logo.changed" in actions and "shop.logo.removed" in actions


def test_a_file_that_is_not_an_image_is_refused_and_the_old_logo_stays(app, client):
    signed_in(app, client)
    upload(client, picture_bytes())
    refused = upload(client, b"<html><script>alert(1)</script></html>", "logo.png")
    assert refused.status_code == 400 and "logo: the file is not a PNG, JPEG, WebP or GIF image" in refused.get_data(
        as_text=True
    )
    assert 'class="logo"' in client.get("/").get_data(as_text=True)


def test_agents_cannot_change_the_logo(app, client):
    signed_in(app, client, "agent")
    assert client.get("/admin/branding").status_code == 403
