"""Quarantine that cannot be gamed (issue 22): a shop day in small, with one buyer reporting working
codes under several aliases, a bad batch reported by many buyers, and the owner's release."""

from __future__ import annotations

from sqlalchemy import select

from app.core.audit import AuditEntry
from app.core.extensions import db
from feedback.models import CodeReport
from feedback.replace import WARNED_ONLY
from keystore.models import Code
from tests.feedback.aftersale import (
    batch_named,
    code_states,
    codes_of,
    delivered,
    on_hold,
    owner_told,
    report_and_decide,
    report_of,
    staff,
    staff_post,
)
from tests.mail import mail_rows
from tests.shop import make_product, set_product, stock, unique_codes

ALIASES = ("x@a.test", "X@A.test", "x+1@a.test", "x+shop@a.test")  # one mailbox


def _replacement_batches(app) -> dict[str, int]:
    """buyer email -> the batch of the code that replaced theirs."""
    with app.app_context():
        rows = db.session.execute(
            select(CodeReport.buyer_email, Code.batch_id).join(Code, Code.id == CodeReport.replacement_code_id)
        ).all()
        db.session.remove()
    return dict(rows)


def test_one_buyer_under_aliases_holds_nothing_and_many_buyers_hold_the_bad_batch(app, client):
    owner_told(app)
    product_id = make_product(app, "card")
    stock(app, product_id, unique_codes(9), name="bad")
    bad = batch_named(app, "bad", supplier="Shady")
    victims = [delivered(app, client, email=f"b{n}@example.com") for n in range(6)]
    for n in range(3):
        delivered(app, client, email=f"h{n}@example.com")  # "bad" sold out: 9 delivered
    stock(app, product_id, unique_codes(20), name="good")
    good = batch_named(app, "good", supplier="Acme")
    gamer = [delivered(app, client, email=alias) for alias in ALIASES]
    for n in range(6):
        delivered(app, client, email=f"g{n}@example.com")  # 10 of "good" sold, 3 more as replacements
    stock(app, product_id, unique_codes(10), name="spare")
    spare = batch_named(app, "spare", supplier="Fresh")

    assert [report_and_decide(app, client, placed) for placed in victims[:2]] == ["replaced", "replaced"]
    assert not on_hold(app, bad)  # 2 buyers of 9: under the minimum of 3
    report_and_decide(app, client, victims[2])
    assert on_hold(app, bad)  # the third buyer: at the threshold

    outcomes = [report_and_decide(app, client, placed) for placed in gamer]
    assert not on_hold(app, good) and code_states(app, good).get("available") == 7  # one mailbox is one buyer
    assert outcomes == ["replaced"] * 3 + ["held"]  # one mailbox, one limit (3 in 30 days)
    assert "(limit 3)" in report_of(app, codes_of(app, gamer[3].order_id)[0][0]).held_because
    replaced_from = _replacement_batches(app)
    assert {replaced_from[f"b{n}@example.com"] for n in range(3)} == {good}  # lowest rate, then oldest
    assert {replaced_from[alias.lower()] for alias in ALIASES[:3]} == {spare}  # the lowest rate: "good" has a report
    assert len(mail_rows(app, "batch-hold:%")) == 1 and not mail_rows(app, "event:stock.held_out:%")


def test_a_release_starts_a_new_count_that_old_reports_do_not_undo(app, client):
    product_id = make_product(app, "card")
    set_product(app, product_id, report_policy="hold")  # every report waits for staff, and counts
    stock(app, product_id, unique_codes(8), name="bad")
    bad = batch_named(app, "bad")
    before = [delivered(app, client, email=f"b{n}@example.com") for n in range(5)]
    for placed in before[:3]:
        report_and_decide(app, client, placed)
    assert on_hold(app, bad) and code_states(app, bad).get("quarantined") == 3

    staff(app, client, "owner@shop.test", role="owner")
    assert staff_post(client, f"/admin/batches/{bad}/release", reason="supplier says fine").status_code == 302
    assert not on_hold(app, bad)
    for placed in before[3:]:
        report_and_decide(app, client, placed)  # reports on codes sold before the release
    assert not on_hold(app, bad) and code_states(app, bad).get("available") == 3

    after = [delivered(app, client, email=f"n{n}@example.com") for n in range(3)]  # bad's 3 codes again
    for placed in after:
        report_and_decide(app, client, placed)
    assert on_hold(app, bad)  # the new count: 3 buyers of the 3 codes sold since the release
    with app.app_context():
        holds = db.session.scalars(
            select(AuditEntry.reason).where(AuditEntry.action == "keystore.batch.quarantined").order_by(AuditEntry.id)
        ).all()
        db.session.remove()
    assert len(holds) == 2 and holds[1].startswith("3 buyer(s) reported codes of 3 delivered")


def test_a_hold_that_leaves_the_product_without_stock_alerts_the_owner_at_once(app, client):
    owner_told(app)
    product_id = make_product(app, "card")
    stock(app, product_id, unique_codes(6), name="only")
    only = batch_named(app, "only")
    orders = [delivered(app, client, email=f"b{n}@example.com") for n in range(3)]
    outcomes = [report_and_decide(app, client, placed) for placed in orders]
    assert outcomes == ["replaced", "held", "held"]  # 2 buyers of 4: above the warning line, no more from it
    assert report_of(app, codes_of(app, orders[1].order_id)[0][0]).held_because == WARNED_ONLY
    assert on_hold(app, only) and code_states(app, only) == {
        "delivered": 1,
        "invalid": 1,
        "reported": 2,
        "quarantined": 2,
    }
    assert list(mail_rows(app, "event:stock.held_out:%")) == [f"event:stock.held_out:{only}:1"]
