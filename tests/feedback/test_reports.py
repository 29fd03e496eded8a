"""A buyer reports a code that does not work: the policy replaces it, or staff decide."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.core.extensions import db
from feedback.policy import apply_policy
from tests.feedback.aftersale import (
    codes_of,
    delivered,
    page_codes,
    report_of,
    report_via_page,
    staff,
    staff_post,
    wait_for_report,
)
from tests.shop import csrf_from, make_product, set_product, stock, unique_codes


def _decide(app, code_id: int) -> str:
    """What the aftersale job does, run in-process."""
    with app.app_context():
        outcome = apply_policy(db.session, report_of(app, code_id).id)
        db.session.remove()
        return outcome


def test_a_reported_code_is_replaced_on_the_page_and_by_mail(smtp, app, client, worker):
    product_id = make_product(app, "card")
    first, spare = unique_codes(2)
    stock(app, product_id, [first, spare])
    placed = delivered(app, client)
    [(code_id, _)] = codes_of(app, placed.order_id)

    assert report_via_page(client, placed.token, code_id, "already_used", "it says redeemed").status_code == 303
    report = wait_for_report(app, code_id, lambda r: r.status != "open")
    assert (report.status, report.resolved_by) == ("replaced", "policy"), worker.log()[-2000:]
    assert [state for _, state in codes_of(app, placed.order_id)] == ["invalid", "delivered"]

    page = client.get(f"/o/{placed.token}").get_data(as_text=True)
    assert page_codes(page) == [first, spare] and "it was replaced by a new one" in page
    api = client.get(f"/api/v1/orders/{placed.token}").json
    assert api["codes"] == [spare]  # a bot reading the API gets only the working code
    [mail] = [m for m in smtp.wait_for(2) if "replacement" in m["Subject"]]
    body = mail.get_body(preferencelist=("plain",)).get_content()
    assert spare in body and first not in body


def test_a_report_on_another_buyers_token_is_404_and_changes_nothing(app, client):
    product_id = make_product(app, "card")
    stock(app, product_id, unique_codes(3))
    mine, theirs = delivered(app, client), delivered(app, client, email="other@example.com")
    [(their_code, _)] = codes_of(app, theirs.order_id)
    form = {"csrf_token": csrf_from(client, f"/o/{mine.token}"), "code": their_code, "reason": "invalid"}
    for token in ("0" * 43, mine.token[:-1], theirs.token.upper()):
        assert client.post(f"/o/{token}/report", data=form).status_code == 404
    # my own token with their code: refused, and their code stays sold and unreported
    assert report_via_page(client, mine.token, their_code).status_code == 400
    assert codes_of(app, theirs.order_id) == [(their_code, "delivered")]
    assert report_of(app, their_code) is None


def test_a_code_is_reported_once_and_bad_reasons_are_named(app, client):
    product_id = make_product(app, "card")
    stock(app, product_id, unique_codes(2))
    placed = delivered(app, client)
    [(code_id, _)] = codes_of(app, placed.order_id)
    bad = report_via_page(client, placed.token, code_id, "because")
    assert bad.status_code == 400 and "reason: must be one of" in bad.get_data(as_text=True)
    assert report_via_page(client, placed.token, code_id).status_code == 303
    again = report_via_page(client, placed.token, code_id)
    assert again.status_code == 400 and "already reported" in again.get_data(as_text=True)


def test_a_hold_policy_waits_for_staff_who_refund_once_however_often_they_click(app, client):
    product_id = make_product(app, "card")
    stock(app, product_id, unique_codes(3))
    set_product(app, product_id, report_policy="hold")
    placed = delivered(app, client)
    [(code_id, _)] = codes_of(app, placed.order_id)
    report_via_page(client, placed.token, code_id)
    assert _decide(app, code_id) == "held" and _decide(app, code_id) == "skipped"
    report = report_of(app, code_id)
    assert report.status == "open" and "policy holds" in report.held_because

    staff(app, client)
    queue = client.get("/admin/reports").get_data(as_text=True)
    assert placed.number in queue and "policy holds" in queue
    path = f"/admin/reports/{report.id}/refund"
    assert staff_post(client, path, amount="9.99").status_code == 302
    assert staff_post(client, path, amount="9.99").status_code == 302
    with app.app_context():
        from payments.models import Refund

        refunds = db.session.execute(select(Refund.amount_minor, Refund.idempotency_key)).all()
        db.session.remove()
    assert [tuple(r) for r in refunds] == [(999, f"report:{report.id}")]
    assert report_of(app, code_id).status == "refunded"
    assert codes_of(app, placed.order_id) == [(code_id, "invalid")]


def test_staff_reject_with_a_message_the_buyer_reads_and_the_code_counts_as_working(app, client):
    product_id = make_product(app, "card")
    stock(app, product_id, unique_codes(2))
    set_product(app, product_id, report_policy="hold")
    placed = delivered(app, client)
    [(code_id, _)] = codes_of(app, placed.order_id)
    report_via_page(client, placed.token, code_id)
    _decide(app, code_id)
    staff(app, client)
    report_id = report_of(app, code_id).id
    empty = staff_post(client, f"/admin/reports/{report_id}/reject", message="")
    assert empty.status_code == 302 and report_of(app, code_id).status == "open"
    staff_post(client, f"/admin/reports/{report_id}/reject", message="Redeemed on 2026-11-20 from account X")
    assert report_of(app, code_id).status == "rejected"
    assert codes_of(app, placed.order_id) == [(code_id, "confirmed_ok")]
    page = client.get(f"/o/{placed.token}").get_data(as_text=True)
    assert "We checked it and it works" in page and "Redeemed on 2026-11-20 from account X" in page


def test_replacements_stop_at_the_quantity_bought_and_the_buyers_limit(app, client):
    product_id = make_product(app, "card")
    stock(app, product_id, unique_codes(10))
    placed = delivered(app, client)
    [(code_id, _)] = codes_of(app, placed.order_id)
    report_via_page(client, placed.token, code_id)
    assert _decide(app, code_id) == "replaced"
    [_, (replacement, _)] = codes_of(app, placed.order_id)
    report_via_page(client, placed.token, replacement)
    assert _decide(app, replacement) == "held"
    assert "as many as codes bought" in report_of(app, replacement).held_because

    set_product(app, product_id, replacement_limit=1)
    other = delivered(app, client)  # the same buyer, a second order
    [(other_code, _)] = codes_of(app, other.order_id)
    report_via_page(client, other.token, other_code)
    assert _decide(app, other_code) == "held"
    assert "limit 1" in report_of(app, other_code).held_because


def test_without_stock_the_report_waits_for_staff_instead_of_failing(app, client):
    product_id = make_product(app, "card")
    stock(app, product_id, unique_codes(1))
    placed = delivered(app, client)
    [(code_id, _)] = codes_of(app, placed.order_id)
    report_via_page(client, placed.token, code_id)
    assert _decide(app, code_id) == "held"
    assert report_of(app, code_id).held_because == "no code in stock to replace it with"
    assert codes_of(app, placed.order_id) == [(code_id, "reported")]


@pytest.mark.parametrize(
    "addresses",
    [
        ("Tries@Example.com",) * 3 + ("tries@example.com",),
        ("Tries@Example.com", "tries+1@example.com", "TRIES+a@example.com", "tries+4@example.com"),
    ],
    ids=["one address", "aliases of one mailbox"],
)
def test_a_buyer_whose_reports_are_rejected_again_and_again_is_flagged(app, client, addresses):
    product_id = make_product(app, "card")
    stock(app, product_id, unique_codes(10))
    set_product(app, product_id, report_policy="hold")
    staff(app, client)
    for email in addresses[:3]:
        placed = delivered(app, client, email=email)
        [(code_id, _)] = codes_of(app, placed.order_id)
        report_via_page(client, placed.token, code_id)
        staff_post(client, f"/admin/reports/{report_of(app, code_id).id}/reject", message="works")
    set_product(app, product_id, report_policy="replace")
    placed = delivered(app, client, email=addresses[3])
    [(code_id, _)] = codes_of(app, placed.order_id)
    report_via_page(client, placed.token, code_id)
    assert _decide(app, code_id) == "held"
    assert "rejected 3 times" in report_of(app, code_id).held_because
    assert "flagged: reports rejected repeatedly" in client.get("/admin/reports").get_data(as_text=True)


def test_the_sweeper_enqueues_a_report_whose_job_was_lost(app, client):
    from rq import Queue

    from feedback.jobs import sweep_reports

    product_id = make_product(app, "card")
    stock(app, product_id, unique_codes(2))
    placed = delivered(app, client)
    [(code_id, _)] = codes_of(app, placed.order_id)
    report_via_page(client, placed.token, code_id)
    queue = Queue("aftersale", connection=app.extensions["keyshop.redis"])
    queue.empty()  # the job is lost (Redis restarted empty)
    with app.app_context():
        assert sweep_reports(db.session, 0) == 1
        db.session.remove()
    [job] = queue.jobs
    assert job.func_name == "feedback.jobs.decide_report" and job.args == (report_of(app, code_id).id,)
    with app.app_context():
        assert job.perform() == "replaced"
        assert sweep_reports(db.session, 0) == 0  # decided: nothing more to sweep
        db.session.remove()


def test_a_code_under_review_is_not_offered_as_working_and_the_mail_names_the_new_one(smtp, app, client, worker):
    product_id = make_product(app, "card")
    set_product(app, product_id, report_policy="hold")
    reported, kept, spare = unique_codes(3)
    stock(app, product_id, [reported, kept])
    placed = delivered(app, client, quantity=2)
    [(code_id, _), _] = codes_of(app, placed.order_id)
    report_via_page(client, placed.token, code_id)
    report = wait_for_report(app, code_id, lambda r: r.held_because)  # the policy held it for staff
    api = client.get(f"/api/v1/orders/{placed.token}").json
    assert (api["codes"], api["codes_under_review"]) == ([kept], [reported])
    page = client.get(f"/o/{placed.token}").get_data(as_text=True)
    assert "Under review: please do not use it" in page and "New: the replacement" not in page
    assert page.count('data-copy="') == 1  # only the working code offers its copy button

    stock(app, product_id, [spare], name="fresh")
    staff(app, client)
    assert staff_post(client, f"/admin/reports/{report.id}/replace").status_code == 302
    [mail] = [m for m in smtp.wait_for(2) if "replacement" in m["Subject"]]
    body = mail.get_body(preferencelist=("plain",)).get_content()
    new_part, other_part = body.split("Your other working code(s), unchanged:")
    assert "Your new code:" in new_part and spare in new_part and kept not in new_part
    assert kept in other_part and reported not in body
    page = client.get(f"/o/{placed.token}").get_data(as_text=True)
    assert "New: the replacement" in page and "Under review" not in page
    assert client.get(f"/api/v1/orders/{placed.token}").json["codes"] == [kept, spare]
