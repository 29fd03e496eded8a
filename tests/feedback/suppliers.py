"""A shop with two suppliers for the scorecard tests: Acme's codes are bad, Bolt's mostly fine.

Acme (batch acme-1, 4 codes, all sold): three buyers report; staff replace one (from Bolt's stock),
refund 9.99 and 5.00 USD for two others. The replaced one was delivered and reported in January.
Bolt (batch bolt-1, 6 codes): 2 sold plus the replacement; one report, rejected (the code works).
The product's policy holds every report, so each decision is a staff one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from app.core.extensions import db
from app.core.models import Product
from feedback.models import CodeReport
from keystore.models import Code
from tests.feedback.aftersale import batch_named, codes_of, delivered, report_of, report_via_page, staff, staff_post
from tests.shop import make_product, stock, unique_codes

JANUARY = datetime(2026, 1, 15, 12, 0)
FORMULA = '=HYPERLINK("http://evil.test","click")'


@dataclass(frozen=True)
class Scene:
    acme_batch: int
    bolt_batch: int
    acme_codes: list[str]  # as stocked, in order of sale
    orders: list[str]  # the Acme orders' numbers, in order


def two_suppliers(app, client) -> Scene:
    product_id = make_product(app, "card", price="9.99")
    with app.app_context():
        db.session.execute(update(Product).where(Product.id == product_id).values(report_policy="hold"))
        db.session.commit()
        db.session.remove()
    acme_codes = unique_codes(4, "ACME")
    stock(app, product_id, acme_codes, name="acme-1")
    acme = batch_named(app, "acme-1", supplier="Acme", complaint_min_reports=2)
    acme_orders = [delivered(app, client, email=f"a{n}@example.com") for n in range(4)]
    stock(app, product_id, unique_codes(6, "BOLT"), name="bolt-1")
    bolt = batch_named(app, "bolt-1", supplier="Bolt")
    bolt_orders = [delivered(app, client, email=f"b{n}@example.com") for n in range(2)]
    texts = (FORMULA, "already redeemed", "region locked", "does not work")
    reports = [_report(app, client, placed, text) for placed, text in zip(acme_orders[:3] + bolt_orders[:1], texts)]
    staff(app, client, "owner@shop.test", role="owner")
    _decide(client, reports[0], "replace")
    _decide(client, reports[1], "refund", amount="9.99")
    _decide(client, reports[2], "refund", amount="5.00")
    _decide(client, reports[3], "reject", message="it works: try it on the right account")
    _back_to_january(app, reports[0])
    return Scene(acme, bolt, acme_codes, [placed.number for placed in acme_orders])


def _report(app, client, placed, text: str) -> int:
    [(code_id, _)] = codes_of(app, placed.order_id)
    assert report_via_page(client, placed.token, code_id, "invalid", text).status_code == 303
    return report_of(app, code_id).id


def _decide(client, report_id: int, action: str, **form) -> None:
    page = staff_post(client, f"/admin/reports/{report_id}/{action}", follow_redirects=True, **form)
    assert "decided" in page.get_data(as_text=True), page.get_data(as_text=True)[-2000:]


def _back_to_january(app, report_id: int) -> None:
    with app.app_context():
        report = db.session.get(CodeReport, report_id)
        report.created_at = JANUARY
        db.session.execute(update(Code).where(Code.id == report.code_id).values(delivered_at=JANUARY))
        db.session.commit()
        assert db.session.scalar(select(CodeReport.status).where(CodeReport.id == report_id)) == "replaced"
        db.session.remove()
