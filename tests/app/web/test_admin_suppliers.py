"""The supplier pages: the scorecard linked from the ranking, the claim download (owners only,
audited), and hostile names and days answered with 4xx."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from app.core.audit import AuditEntry
from app.core.extensions import db
from tests.feedback.aftersale import staff, staff_post
from tests.feedback.suppliers import FORMULA, two_suppliers
from tests.shop import csrf_from


def test_the_ranking_links_each_supplier_to_its_scorecard(app, client):
    two_suppliers(app, client)
    ranking = client.get("/admin/quality").get_data(as_text=True)
    assert 'href="/admin/suppliers/scorecard?name=Acme"' in ranking
    page = client.get("/admin/suppliers/scorecard?name=Acme").get_data(as_text=True)
    assert "<strong>4</strong>" in page and "75.0%" in page  # 3 reports on 4 delivered
    assert "Replacements: 1" in page and "Refunds: 2, 14.99 USD" in page and "On hold: 1" in page
    assert client.get("/admin/suppliers/scorecard?name=Nobody").status_code == 404


def test_an_owner_downloads_the_claim_and_it_is_recorded(app, client):
    scene = two_suppliers(app, client)  # signed in as the owner
    answer = staff_post(client, "/admin/suppliers/claim.csv", supplier="Acme", since="2026-01-15", reason="credit")
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    rows = list(csv.DictReader(io.StringIO(answer.get_data().decode("utf-8-sig"))))
    assert [row["code"] for row in rows] == scene.acme_codes[:3] and rows[0]["buyer_text"] == "'" + FORMULA
    until_january = staff_post(client, "/admin/suppliers/claim.csv", supplier="Acme", until="2026-01-15")
    assert len(list(csv.DictReader(io.StringIO(until_january.get_data().decode("utf-8-sig"))))) == 1
    with app.app_context():
        audits = db.session.execute(
            select(AuditEntry.actor, AuditEntry.target, AuditEntry.reason).where(
                AuditEntry.action == "shop.supplier.claim_exported"
            )
        ).all()
        db.session.remove()
    assert audits == [("owner@shop.test", "supplier:Acme", "credit"), ("owner@shop.test", "supplier:Acme", "")]


def test_an_agent_sees_the_scorecard_but_may_not_take_a_claim(app, client):
    two_suppliers(app, client)
    client.post("/admin/logout", data={"csrf_token": csrf_from(client, "/admin/")})
    staff(app, client)  # an agent
    page = client.get("/admin/suppliers/scorecard?name=Acme")
    assert page.status_code == 200 and "/admin/suppliers/claim.csv" not in page.get_data(as_text=True)
    assert staff_post(client, "/admin/suppliers/claim.csv", supplier="Acme").status_code == 403


@pytest.mark.parametrize(
    "form",
    [
        {"supplier": "Acme%00"},
        {"supplier": "Acme%ED%A0%80"},  # a lone surrogate, as UTF-8 bytes
        {"supplier": "A" * 5000},
        {"supplier": "Acme", "since": "2026-13-01"},
        {"supplier": "Acme", "until": "yesterday"},
        {"supplier": "Acme", "since": "9" * 40},
    ],
)
def test_hostile_claims_are_refused(app, client, form):
    staff(app, client, "owner@shop.test", role="owner")
    body = "&".join(f"{name}={value}" for name, value in form.items())  # sent as typed, bytes and all
    body += "&csrf_token=" + csrf_from(client, "/admin/")
    answer = client.post("/admin/suppliers/claim.csv", data=body, content_type="application/x-www-form-urlencoded")
    assert 400 <= answer.status_code < 500
    with app.app_context():
        assert (
            db.session.scalar(select(AuditEntry.id).where(AuditEntry.action == "shop.supplier.claim_exported")) is None
        )
        db.session.remove()


@pytest.mark.parametrize("name", ["Acme%00", "%ED%A0%80", "A" * 300])
def test_hostile_supplier_names_on_the_scorecard_are_refused(app, client, name):
    staff(app, client)
    assert 400 <= client.get(f"/admin/suppliers/scorecard?name={name}").status_code < 500
