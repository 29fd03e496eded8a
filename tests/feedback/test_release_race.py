"""An owner's release racing new reports on the same batch, on PostgreSQL with three worker processes
deciding the reports (issue 22): whichever goes first, the release holds against reports on codes
sold before it, each hold and each release is logged once, and the batch is held again only by
reports on codes sold after the release."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from app.core.audit import AuditEntry
from app.core.extensions import db
from feedback.jobs import decide_report
from keystore.models import Code
from tests.feedback.aftersale import (
    batch_named,
    codes_of,
    delivered,
    on_hold,
    report_and_decide,
    report_of,
    report_via_page,
    staff,
    staff_post,
)
from tests.feedback.test_replacement_limits import _burst_and_wait, _report_quietly, _wait_idle, workers
from tests.shop import audit_of, make_product, stock, unique_codes

__all__ = ["workers"]  # the fixture: three `keyshop worker` processes on the aftersale queue

ROUNDS, SOLD, UNSOLD = 3, 8, 8  # the unsold: more than the 5 late reports could take as replacements


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_a_release_racing_new_reports_holds_and_only_later_sales_hold_again(app, client, workers):
    staff(app, client, "owner@shop.test", role="owner")
    _wait_idle(app, workers)
    for round_ in range(ROUNDS):
        slug, name = f"card-{round_}", f"bad {round_}"  # a product a round: its sales take this batch's codes
        product_id = make_product(app, slug)
        stock(app, product_id, unique_codes(SOLD + UNSOLD), name=name)
        batch = batch_named(app, name, complaint_threshold_pct=25, complaint_min_reports=2)
        orders = [delivered(app, client, slug, email=f"b{round_}-{n}@example.com") for n in range(SOLD)]
        stock(app, product_id, unique_codes(SOLD + UNSOLD), name=f"spare {round_}")  # replacements
        for placed in orders[:3]:
            report_and_decide(app, client, placed)
        assert on_hold(app, batch)  # 3 buyers of 8 sold: 37.5%, over 25%

        late = _report_quietly(app, [(p.order_id, codes_of(app, p.order_id)[0][0]) for p in orders[3:]])
        _release_while_deciding(app, client, batch, late, workers)
        assert not on_hold(app, batch), f"round {round_}: reports on codes sold before the release held it"
        assert _log_of(app, batch) == ["keystore.batch.quarantined", "keystore.batch.available"]

        again = [delivered(app, client, slug, email=f"a{round_}-{n}@example.com") for n in range(UNSOLD)]
        first, second = _sold_since_release(app, batch, again)[:2]
        _report_and_decide(app, client, *first)
        assert not on_hold(app, batch)  # one buyer since the release: under the minimum of 2
        _report_and_decide(app, client, *second)
        assert on_hold(app, batch)  # 2 buyers of the 8 sold since the release: 25%
        assert _log_of(app, batch)[-1] == "keystore.batch.quarantined"
        assert _hold_reasons(app, batch)[-1].startswith(f"2 buyer(s) reported codes of {UNSOLD} delivered")


def _sold_since_release(app, batch: int, orders) -> list[tuple[object, int]]:
    """(order, code id) of the batch's codes sold since its release to `orders`. (The late reports'
    replacements may have come from it too, the owner having judged it fine; a report of those
    would be suspect: their orders had their one replacement.)"""
    by_id = {placed.order_id: placed for placed in orders}
    with app.app_context():
        rows = db.session.execute(
            select(Code.order_id, Code.id).where(Code.batch_id == batch, Code.status == "delivered").order_by(Code.id)
        ).all()
        db.session.remove()
    assert len(rows) == UNSOLD  # the only codes of the batch not reported yet
    return [(by_id[order_id], code_id) for order_id, code_id in rows if order_id in by_id]


def _report_and_decide(app, client, placed, code_id: int) -> None:
    """Reported from the order page; decided here or by a worker first, the batch checked here after."""
    assert report_via_page(client, placed.token, code_id).status_code == 303
    with app.app_context():
        assert decide_report(report_of(app, code_id).id) in ("replaced", "skipped")
        db.session.remove()


def _release_while_deciding(app, client, batch: int, report_ids: list[int], processes) -> None:
    """The owner's release posted at the moment the reports' jobs reach three idle workers."""
    start = threading.Barrier(2)
    answers = []

    def release():
        start.wait()
        answers.append(staff_post(client, f"/admin/batches/{batch}/release", reason="supplier: fine").status_code)

    owner = threading.Thread(target=release)
    owner.start()
    start.wait()
    _burst_and_wait(app, report_ids, processes)
    owner.join(timeout=30)
    assert answers == [302]
    _wait_idle(app, processes)  # each job checks the batch after deciding its report: all checks done


MOVES = ("keystore.batch.quarantined", "keystore.batch.available")  # a hold, a release


def _log_of(app, batch: int) -> list[str]:
    """The batch's holds and releases, in order."""
    return [action for action, _ in _audits(app, batch) if action in MOVES]


def _hold_reasons(app, batch: int) -> list[str]:
    return [reason for action, reason in _audits(app, batch) if action == "keystore.batch.quarantined"]


def _audits(app, batch: int) -> list[tuple]:
    return audit_of(app, f"batch:{batch}", AuditEntry.action, AuditEntry.reason)
