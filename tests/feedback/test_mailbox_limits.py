"""Issue 22: the replacement limits count buyers as mailboxes (app.core.abuse.mailbox), as the
blocklist and the batch hold do: ann@x.test, Ann+2@X.TEST and ANN+shop@x.test are one buyer. The
rejection flag under aliases is in test_reports, and aliases decided by three workers at once in
test_replacement_limits."""

from __future__ import annotations

from app.core.extensions import db
from feedback.policy import apply_policy
from tests.feedback.aftersale import batch_named, codes_of, delivered, report_of, report_via_page
from tests.shop import make_product, set_product, stock, unique_codes

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
