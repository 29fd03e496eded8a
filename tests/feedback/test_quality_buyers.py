"""Issue 22: the complaint ranking counts what the hold counts: distinct buyers (mailboxes, +aliases
and case folded) with a standing report, so /admin/quality and the batch hold agree."""

from __future__ import annotations

import re

from app.core.extensions import db
from feedback.complaints import batch_count
from feedback.quality import ranking
from tests.feedback.aftersale import (
    batch_named,
    codes_of,
    delivered,
    report_and_decide,
    report_of,
    staff,
    staff_post,
)
from tests.shop import make_product, set_product, stock, unique_codes

ANN = ["ann@example.com", "Ann+1@Example.com", "ANN+two@EXAMPLE.COM"]


def _figures(app, by: str) -> dict:
    with app.app_context():
        rows = {
            row.name: (row.delivered, row.reports, row.buyers, round(row.rate, 1)) for row in ranking(db.session, by)
        }
        db.session.remove()
    return rows


def test_the_ranking_counts_an_aliased_buyer_once_and_a_rejected_report_never(app, client):
    product_id = make_product(app, "card")
    set_product(app, product_id, report_policy="hold")  # every report waits: none replaced, none suspect
    stock(app, product_id, unique_codes(10), name="mixed")
    mixed = batch_named(app, "mixed", complaint_min_reports=100, supplier="Acme")  # never held here
    orders = [delivered(app, client, email=email) for email in [*ANN, "bob@example.com", "carl@example.com"]]
    delivered(app, client, email="dave@example.com")  # happy: delivered, never reported
    assert [report_and_decide(app, client, placed) for placed in orders] == ["held"] * 5
    staff(app, client)
    carl_code = codes_of(app, orders[4].order_id)[0][0]
    staff_post(client, f"/admin/reports/{report_of(app, carl_code).id}/reject", message="it works")

    assert _figures(app, "batch") == {"mixed": (6, 5, 2, 33.3)}  # ann (three aliases) and bob
    assert _figures(app, "product") == {"Card": (6, 5, 2, 33.3)}
    assert _figures(app, "supplier") == {"Acme": (6, 5, 2, 33.3)}
    with app.app_context():
        assert batch_count(db.session, mixed).reporters == 2  # the hold counts the same buyers
        db.session.remove()
    page = client.get("/admin/quality").get_data(as_text=True)
    assert re.findall(r'<td class="buyers">(\d+)</td>', page) == ["2", "2", "2"]
    assert page.count("33.3%") == 3 and "Buyers counted" in page


def test_a_batch_row_starts_again_at_its_release_as_its_hold_does(app, client):
    product_id = make_product(app, "card")
    stock(app, product_id, unique_codes(7), name="bad")
    bad = batch_named(app, "bad")
    orders = [delivered(app, client, email=f"r{n}+x@example.com") for n in range(3)]
    stock(app, product_id, unique_codes(10), name="fine")
    for placed in orders:
        report_and_decide(app, client, placed)
    assert _figures(app, "batch")["bad"] == (3, 3, 3, 100.0)
    staff(app, client)
    staff_post(client, f"/admin/batches/{bad}/release", reason="supplier confirmed")
    assert _figures(app, "batch")["bad"] == (0, 3, 0, 0.0)  # the reports stay listed, no longer counted
    assert _figures(app, "product")["Card"][1:3] == (3, 3)
