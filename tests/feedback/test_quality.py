"""Complaint rates per batch: a batch at its threshold is put on hold and the owner is told."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update

from app.core.audit import AuditEntry
from app.core.extensions import db
from app.core.staff import create_staff
from feedback.jobs import decide_report
from keystore.models import Batch, Code
from tests.feedback.aftersale import codes_of, delivered, report_of, report_via_page, staff, staff_post
from tests.mail import drain_now, mail_rows
from tests.shop import csrf_from, make_product, stock, unique_codes


def _batch_id(app, name: str) -> int:
    with app.app_context():
        batch_id = db.session.scalar(select(Batch.id).where(Batch.name == name))
        db.session.remove()
        return batch_id


def _states(app, batch_id: int) -> dict[str, int]:
    with app.app_context():
        rows = db.session.execute(
            select(Code.status, func.count()).where(Code.batch_id == batch_id).group_by(Code.status)
        ).all()
        db.session.remove()
        return dict(rows)


def _report_and_decide(app, client, placed) -> None:
    [(code_id, _), *_] = codes_of(app, placed.order_id)
    assert report_via_page(client, placed.token, code_id).status_code == 303
    with app.app_context():
        decide_report(report_of(app, code_id).id)
        db.session.remove()


@pytest.mark.parametrize("threshold, held", [(30, True), (31, False)])
def test_a_batch_at_its_threshold_goes_on_hold_and_its_unsold_codes_stop_selling(app, client, threshold, held):
    with app.app_context():
        create_staff(db.session, "owner@shop.test", "a long owner password")  # told of held batches by default
        db.session.remove()
    product_id = make_product(app, "card")
    stock(app, product_id, unique_codes(12), name="suspect")
    suspect = _batch_id(app, "suspect")
    with app.app_context():
        db.session.execute(update(Batch).where(Batch.id == suspect).values(complaint_threshold_pct=threshold))
        db.session.commit()
        db.session.remove()
    orders = [delivered(app, client, email=f"b{n}@example.com") for n in range(8)]  # 8 of 12 sold
    stock(app, product_id, unique_codes(10), name="good")
    for placed in orders[:2]:
        _report_and_decide(app, client, placed)  # 2 of 10 delivered (replacements come from it first)
    assert _states(app, suspect).get("quarantined", 0) == 0  # under the minimum of 3 reports
    _report_and_decide(app, client, orders[2])  # 3 reports on 10 delivered: 30%

    states = _states(app, suspect)
    assert (states.get("quarantined", 0) > 0) is held and (states.get("available", 0) == 0) is held
    with app.app_context():
        audits = db.session.scalars(
            select(AuditEntry.reason).where(AuditEntry.action == "keystore.batch.quarantined")
        ).all()
        db.session.rollback()  # as a worker's job starts: no transaction open
        db.session.remove()
    holds = mail_rows(app, "batch-hold:%")
    assert (len(audits) == 1) is held and (len(holds) == 1) is held  # once per hold
    if held:
        drain_now(app)
        assert set(mail_rows(app, "batch-hold:%").values()) == {"sent"}  # the owner's mail


def test_the_ranking_puts_the_worst_batch_first_and_staff_release_a_hold(app, client):
    product_id = make_product(app, "card")
    stock(app, product_id, unique_codes(7), name="bad")  # 4 sold, 2 replacements, 1 left
    bad = _batch_id(app, "bad")
    orders = [delivered(app, client, email=f"r{n}@example.com") for n in range(3)]
    stock(app, product_id, unique_codes(10), name="fine")
    delivered(app, client, email="happy@example.com")
    for placed in orders:
        _report_and_decide(app, client, placed)
    assert _states(app, bad).get("quarantined") == 1

    staff(app, client)
    page = client.get("/admin/quality").get_data(as_text=True)
    assert page.index("bad") < page.index("fine") and "On hold" in page
    assert staff_post(client, f"/admin/batches/{bad}/release", reason="supplier confirmed").status_code == 302
    assert _states(app, bad).get("available") == 1
    with app.app_context():
        assert db.session.scalar(select(Batch.on_hold).where(Batch.id == bad)) is False
        db.session.remove()


def test_only_an_owner_sets_policies_and_thresholds_and_bad_values_are_named(app, client):
    product_id = make_product(app, "card")
    stock(app, product_id, unique_codes(1), name="b")
    batch_id = _batch_id(app, "b")
    staff(app, client)
    assert (
        staff_post(
            client, f"/admin/products/{product_id}/report-policy", report_policy="hold", replacement_limit="1"
        ).status_code
        == 403
    )
    client.post("/admin/logout", data={"csrf_token": csrf_from(client, "/admin/")})
    staff(app, client, "owner@shop.test", role="owner")
    staff_post(client, f"/admin/products/{product_id}/report-policy", report_policy="hold", replacement_limit="1")
    staff_post(client, f"/admin/batches/{batch_id}/complaint-threshold", percent="12", minimum="4")
    bad = staff_post(
        client, f"/admin/batches/{batch_id}/complaint-threshold", percent="0", minimum="4", follow_redirects=True
    )
    assert "complaint_threshold_pct: a whole number from 1 to 100" in bad.get_data(as_text=True)
    with app.app_context():
        from app.core.models import Product

        assert db.session.execute(select(Product.report_policy, Product.replacement_limit)).one() == ("hold", 1)
        assert db.session.execute(select(Batch.complaint_threshold_pct, Batch.complaint_min_reports)).one() == (12, 4)
        db.session.remove()
