"""Staff's order list and dashboard: search, filters, pages, charts, and the CSV export."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select

from app.core.audit import AuditEntry
from app.core.extensions import db
from tests.feedback.aftersale import delivered, staff
from tests.shop import csrf_from, make_product, place, set_product, stock, unique_codes


def test_search_filter_and_pages(app, client):
    make_product(app, "card")
    placed = [place(app, "card", email=f"buyer{n}@example.com") for n in range(55)]
    staff(app, client)
    first = client.get("/admin/orders").get_data(as_text=True)
    assert "Page 1 of 2" in first and placed[-1].number in first and placed[0].number not in first
    assert placed[0].number in client.get("/admin/orders?page=2").get_data(as_text=True)
    found = client.get("/admin/orders?q=BUYER7@").get_data(as_text=True)
    assert placed[7].number in found and placed[8].number not in found
    assert "No order matches" in client.get("/admin/orders?status=delivered").get_data(as_text=True)


def test_the_dashboard_draws_its_charts_from_the_shops_figures(app, client):
    product_id = make_product(app, "card")
    stock(app, product_id, unique_codes(5))
    for n in range(3):
        delivered(app, client, email=f"c{n}@example.com")
    staff(app, client)
    page = client.get("/admin/").get_data(as_text=True)
    assert page.count("<svg") >= 4 and "Orders paid" in page and "Codes available, per product" in page
    assert ": 3 orders</title>" in page  # today's bar: three orders paid
    assert "Card: 2 codes</title>" in page  # two codes left


def test_csv_export_is_for_owners_audited_and_safe_in_a_spreadsheet(app, client):
    make_product(app, "card")
    place(app, "card", email="=1+1@example.com")  # a formula, if a spreadsheet ran it
    staff(app, client)
    assert client.get("/admin/orders.csv").status_code == 403
    client.post("/admin/logout", data={"csrf_token": csrf_from(client, "/admin/")})
    staff(app, client, "owner@shop.test", role="owner")
    response = client.get("/admin/orders.csv")
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/csv")
    [header, row] = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert header[:3] == ["number", "created_at", "status"] and "token" not in ",".join(header)
    assert row[header.index("email")].startswith("'=")
    with app.app_context():
        assert (
            db.session.scalar(select(AuditEntry.actor).where(AuditEntry.action == "shop.orders.exported"))
            == "owner@shop.test"
        )
        db.session.remove()


def test_a_csv_export_opens_in_a_spreadsheet_with_its_characters(app, client):
    """Excel guesses a CSV's encoding from its byte-order mark and splits rows at CRLF: without
    them "Café 卡密" arrives as mojibake. The formula guard still holds on the first column."""
    product_id = make_product(app, "card")
    set_product(app, product_id, name="Café 卡密 Grüße")
    place(app, "card", email="-2+3@example.com")
    staff(app, client, "owner@shop.test", role="owner")
    raw = client.get("/admin/orders.csv").get_data()
    assert raw.startswith(b"\xef\xbb\xbf") and not raw.startswith(b"\xef\xbb\xbf\xef\xbb\xbf")
    lines = raw[3:].split(b"\r\n")
    assert lines[-1] == b"" and len(lines) == 3 and all(b"\n" not in line for line in lines)
    assert "Café 卡密 Grüße".encode() in lines[1]
    [header, row] = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert header[0] == "number" and row[header.index("email")] == "'-2+3@example.com"
    audit = client.get("/admin/audit.csv").get_data()
    assert audit.startswith(b"\xef\xbb\xbfid,created_at,") and audit.endswith(b"\r\n")
