"""Reports of one batch decided by three worker processes at the same moment: the batch is held
once (one audit entry, one mail to the owner), and every one of its unsold codes stops selling."""

from __future__ import annotations

from sqlalchemy import select

from app.core.audit import AuditEntry
from app.core.extensions import db
from tests.feedback.aftersale import batch_named, code_states, codes_of, delivered, on_hold, owner_told
from tests.feedback.test_replacement_limits import _burst_and_wait, _report_quietly, _wait_idle, workers
from tests.mail import mail_rows
from tests.shop import make_product, stock, unique_codes

__all__ = ["workers"]  # the fixture: three `keyshop worker` processes on the aftersale queue

BUYERS = 9


def test_reports_deciding_the_hold_at_once_hold_the_batch_once(app, client, workers):
    owner_told(app)
    product_id = make_product(app, "card")
    stock(app, product_id, unique_codes(BUYERS + 6), name="bad")
    bad = batch_named(app, "bad")
    orders = [delivered(app, client, email=f"b{n}@example.com") for n in range(BUYERS)]
    stock(app, product_id, unique_codes(BUYERS), name="spare")
    _wait_idle(app, workers)
    report_ids = _report_quietly(app, [(p.order_id, codes_of(app, p.order_id)[0][0]) for p in orders])
    _burst_and_wait(app, report_ids, workers)
    _wait_idle(app, workers)  # each job checks the batch after deciding its report: all checks done

    assert on_hold(app, bad) and code_states(app, bad).get("available", 0) == 0
    with app.app_context():
        holds = db.session.scalars(select(AuditEntry.id).where(AuditEntry.action == "keystore.batch.quarantined"))
        assert len(holds.all()) == 1
        db.session.remove()
    assert list(mail_rows(app, "batch-hold:%")) == [f"batch-hold:{bad}:1"]
