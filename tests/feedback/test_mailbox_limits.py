"""Issue 22: the replacement limits count buyers as mailboxes (app.core.abuse.mailbox), as the
blocklist and the batch hold do: ann@x.test, Ann+2@X.TEST and ANN+shop@x.test are one buyer."""

from __future__ import annotations

from app.core.extensions import db
from feedback.policy import apply_policy
from tests.feedback.aftersale import batch_named, codes_of, delivered, report_of, report_via_page, staff, staff_post
from tests.feedback.test_replacement_limits import ORDERS, _burst_and_wait, _report_quietly, _wait_idle, workers
from tests.shop import make_product, set_product, stock, unique_codes

__all__ = ["workers"]  # the fixture, used below
ALIASES = ["ann@example.com", "Ann+2@Example.COM", "ANN+shop@example.com", "ann+x+y@EXAMPLE.com"]


def _report_and_decide(app, client, email: str) -> tuple[str, str]:
    """A fresh order by `email`, its code reported and decided in-process: (outcome, why held)."""
    placed = delivered(app, client, email=email)
    [(code_id, _)] = codes_of(app, placed.order_id)
    report_via_page(client, placed.token, code_id)
    with app.app_context():
        outcome = apply_policy(db.session, report_of(app, code_id).id)
        db.session.remove()
    return outcome, report_of(app, code_id).held_because


def test_a_buyers_limit_counts_every_alias_of_their_mailbox(app, client):
    product_id = make_product(app, "card")
    stock(app, product_id, unique_codes(10), name="lenient")
    batch_named(app, "lenient", complaint_min_reports=100)  # two reporting buyers: not yet a warning
    set_product(app, product_id, replacement_limit=2)
    first, second, third, fourth = (_report_and_decide(app, client, email) for email in ALIASES)
    assert [first[0], second[0]] == ["replaced", "replaced"]
    assert third == ("held", "the buyer had 2 replacement(s) in 30 days (limit 2)")
    assert fourth[0] == "held"
    other = _report_and_decide(app, client, "anna@example.com")  # another mailbox: its own count
    assert other == ("replaced", ""), other


def test_rejections_under_one_alias_flag_the_others(app, client):
    product_id = make_product(app, "card")
    stock(app, product_id, unique_codes(10))
    set_product(app, product_id, report_policy="hold")
    staff(app, client)
    for email in ALIASES[:3]:
        placed = delivered(app, client, email=email)
        [(code_id, _)] = codes_of(app, placed.order_id)
        report_via_page(client, placed.token, code_id)
        staff_post(client, f"/admin/reports/{report_of(app, code_id).id}/reject", message="works")
    set_product(app, product_id, report_policy="replace")
    assert _report_and_decide(app, client, "ann+new@example.com") == (
        "held",
        "the buyer's reports were rejected 3 times",
    )
    page = client.get("/admin/reports").get_data(as_text=True)
    assert "flagged: reports rejected repeatedly" in page


def test_aliases_reported_at_once_to_three_workers_get_one_replacement(app, client, workers):
    """Limit 1, six orders by six aliases of one mailbox, decided by three workers at the same moment:
    the buyer's lock is the mailbox's, so exactly one is replaced."""
    product_id = make_product(app, "card")
    set_product(app, product_id, replacement_limit=1)
    _wait_idle(app, workers)
    stock(app, product_id, unique_codes(ORDERS), name="sold")
    orders = [delivered(app, client, email=f"Zed+{n}@Example.com") for n in range(ORDERS)]
    stock(app, product_id, unique_codes(ORDERS), name="spare")
    report_ids = _report_quietly(app, [(p.order_id, codes_of(app, p.order_id)[0][0]) for p in orders])
    outcomes = _burst_and_wait(app, report_ids, workers)
    assert sorted(status for status, _ in outcomes.values()) == ["open"] * (ORDERS - 1) + ["replaced"]
    assert all("(limit 1)" in why for status, why in outcomes.values() if status == "open"), outcomes
