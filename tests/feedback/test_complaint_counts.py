"""What a batch's complaint count leaves out: reports held as suspicious until staff confirm them,
and reports staff rejected; and where the replacement for a confirmed report comes from."""

from __future__ import annotations

from sqlalchemy import select

from app.core.audit import Actor
from app.core.extensions import db
from feedback.decisions import reject_report, replace_reported
from feedback.models import CodeReport
from keystore.models import Code
from tests.feedback.aftersale import batch_named, codes_of, delivered, on_hold, report_and_decide, report_of
from tests.shop import make_product, set_product, stock, unique_codes

AGENT = Actor("agent@shop.test", "agent")


def _decide(app, placed, decision) -> int | None:
    """Staff decide the order's report; the batch of the code sent in its place, if one was."""
    report_id = report_of(app, codes_of(app, placed.order_id)[0][0]).id
    with app.app_context():
        decision(report_id)
        replacement = db.session.scalar(
            select(Code.batch_id)
            .join(CodeReport, CodeReport.replacement_code_id == Code.id)
            .where(CodeReport.id == report_id)
        )
        db.session.remove()
    return replacement


def test_suspect_reports_count_once_confirmed_and_rejected_ones_never(app, client):
    product_id = make_product(app, "card")
    set_product(app, product_id, replacement_limit=0)  # every buyer over their limit: every report suspect
    stock(app, product_id, unique_codes(10), name="bad")
    bad = batch_named(app, "bad")
    orders = [delivered(app, client, email=f"c{n}@example.com") for n in range(4)]
    stock(app, product_id, unique_codes(5), name="spare")
    spare = batch_named(app, "spare")
    assert [report_and_decide(app, client, placed) for placed in orders] == ["held"] * 4
    assert not on_hold(app, bad)  # 4 buyers, none confirmed

    _decide(app, orders[3], lambda rid: reject_report(db.session, AGENT, rid, "the code works, we checked"))
    replaced_from = [
        _decide(app, placed, lambda rid: replace_reported(db.session, AGENT, rid)) for placed in orders[:2]
    ]
    assert not on_hold(app, bad)  # 2 confirmed, 1 rejected: under the minimum of 3
    assert replaced_from == [spare, spare]  # "bad" is above its warning line once the report counts
    _decide(app, orders[2], lambda rid: replace_reported(db.session, AGENT, rid))
    assert on_hold(app, bad)  # the third confirmation holds it, at once
