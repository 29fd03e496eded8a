"""Complaint rates per batch: a batch at its threshold is put on hold and the owner is told.
(How the complaints are counted, and a shop day with a buyer gaming them: test_quarantine.py.)"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.core.audit import AuditEntry
from app.core.extensions import db
from app.core.staff import create_staff
from keystore.models import Batch
from tests.feedback.aftersale import batch_named, code_states, delivered, report_and_decide, staff, staff_post
from tests.mail import drain_now, mail_rows
from tests.shop import csrf_from, make_product, stock, unique_codes


@pytest.mark.parametrize("threshold, held", [(30, True), (31, False)])
def test_a_batch_at_its_threshold_goes_on_hold_and_its_unsold_codes_stop_selling(app, client, threshold, held):
    with app.app_context():
        create_staff(db.session, "owner@shop.test", "a long owner password")  # told of held batches by default
        db.session.remove()
    product_id = make_product(app, "card")
    stock(app, product_id, unique_codes(12), name="suspect")
    suspect = batch_named(app, "suspect", complaint_threshold_pct=threshold)
    orders = [delivered(app, client, email=f"b{n}@example.com") for n in range(10)]  # 10 of 12 sold
    stock(app, product_id, unique_codes(10), name="good")  # replacements come from it: suspect is warned
    for placed in orders[:2]:
        assert report_and_decide(app, client, placed) == "replaced"
    assert code_states(app, suspect).get("quarantined", 0) == 0  # under the minimum of 3 buyers
    report_and_decide(app, client, orders[2])  # 3 buyers reporting on 10 delivered: 30%

    states = code_states(app, suspect)
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
    stock(app, product_id, unique_codes(7), name="bad")  # 4 sold, 3 left; replacements from "fine"
    bad = batch_named(app, "bad")
    orders = [delivered(app, client, email=f"r{n}@example.com") for n in range(3)]
    stock(app, product_id, unique_codes(10), name="fine")
    delivered(app, client, email="happy@example.com")
    for placed in orders:
        report_and_decide(app, client, placed)
    assert code_states(app, bad).get("quarantined") == 3

    staff(app, client)
    page = client.get("/admin/quality").get_data(as_text=True)
    assert page.index("bad") < page.index("fine") and "On hold" in page
    assert staff_post(client, f"/admin/batches/{bad}/release", reason="supplier confirmed").status_code == 302
    assert code_states(app, bad).get("available") == 3
    with app.app_context():
        assert db.session.scalar(select(Batch.on_hold).where(Batch.id == bad)) is False
        db.session.remove()


def test_only_an_owner_sets_policies_and_thresholds_and_bad_values_are_named(app, client):
    product_id = make_product(app, "card")
    stock(app, product_id, unique_codes(1), name="b")
    batch_id = batch_named(app, "b")
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
