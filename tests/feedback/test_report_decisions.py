"""Staff decisions on one report racing each other, and reports decided after the order's money went back.

Issue 17, findings 2 and 6: only one of replace / refund / reject takes effect, and the refund of the
winning decision is committed with it and sent; a refunded order never gets a replacement code.
"""

from __future__ import annotations

import threading
import time

from sqlalchemy import select

from app.core.extensions import db
from delivery.mail.log import MailLog, order_mail_key
from feedback.jobs import sweep_reports
from payments.models import Refund
from tests.feedback.aftersale import (
    PASSWORD,
    codes_of,
    delivered,
    report_of,
    report_via_page,
    staff,
    staff_post,
    wait_for_report,
)
from tests.feedback.test_reports import _decide
from tests.processes import WorkerProcess
from tests.shop import (
    csrf_from,
    make_product,
    place,
    sandbox_webhook,
    set_product,
    sign_in,
    stock,
    unique_codes,
    wait_for_status,
)

ROUNDS = 12


def _held_report(app, client, email: str, amount: int = 1000) -> tuple[object, int]:
    """An order delivered by the worker, whose one code is reported and held for staff (the product's policy)."""
    placed = place(app, "card", email=email)
    headers, body = sandbox_webhook(app, placed.number, amount)
    assert client.post("/webhooks/sandbox", data=body, headers=headers).status_code == 200
    assert wait_for_status(app, placed.order_id, "delivered") == "delivered"
    [(code_id, _)] = codes_of(app, placed.order_id)
    assert report_via_page(client, placed.token, code_id).status_code == 303
    return placed, code_id


def _refunds_of_report(app, report_id: int) -> list[tuple[int, str]]:
    with app.app_context():
        rows = db.session.execute(
            select(Refund.amount_minor, Refund.status).where(Refund.idempotency_key == f"report:{report_id}")
        ).all()
        db.session.remove()
        return [tuple(row) for row in rows]


def _at_once(*calls):
    """Run each call in its own thread, released together; their results in order."""
    barrier, results = threading.Barrier(len(calls)), [None] * len(calls)

    def run(index, call):
        barrier.wait()
        results[index] = call()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def test_replace_and_refund_pressed_together_take_effect_once_and_the_refund_is_sent(app, client, worker):
    product_id = make_product(app, "card", price="10.00")
    set_product(app, product_id, report_policy="hold")
    staff(app, client)
    other = app.test_client()  # a second member of staff at the same moment
    sign_in(other, "agent@shop.test", PASSWORD)
    decided = []
    for round_ in range(ROUNDS):
        stock(app, product_id, unique_codes(2), name=f"batch {round_}")  # each report its own batch: none held
        placed, code_id = _held_report(app, client, f"r{round_}@example.com")
        report = wait_for_report(app, code_id, lambda r: r.held_because)
        assert "policy holds" in report.held_because, worker.log()[-2000:]
        forms = [{"csrf_token": csrf_from(c, "/admin/")} for c in (client, other)]
        replace, refund = _at_once(
            lambda: client.post(f"/admin/reports/{report.id}/replace", data=forms[0]),
            lambda: other.post(f"/admin/reports/{report.id}/refund", data={**forms[1], "amount": "10.00"}),
        )
        assert (replace.status_code, refund.status_code) == (302, 302)
        flashes = [c.get("/admin/reports").get_data(as_text=True) for c in (client, other)]
        decided.append((placed, code_id, report.id, flashes))

    for placed, code_id, report_id, flashes in decided:
        report = report_of(app, code_id)
        refunds = _refunds_of_report(app, report_id)
        if report.status == "replaced":
            assert refunds == [], f"report {report_id} replaced, yet a refund was recorded: {refunds}"
            assert "already replaced" in flashes[1] or "already decided" in flashes[1]
            assert [state for _, state in codes_of(app, placed.order_id)] == ["invalid", "delivered"]
        else:
            assert report.status == "refunded" and report.refund_id is not None
            assert wait_for_status(app, placed.order_id, "refunded") == "refunded", worker.log()[-2000:]
            assert _refunds_of_report(app, report_id) == [(1000, "succeeded")]
            assert "already refunded" in flashes[0] or "already decided" in flashes[0]
            assert codes_of(app, placed.order_id) == [(code_id, "invalid")]


def test_reject_racing_a_refund_leaves_no_refund_behind(app, client, worker):
    product_id = make_product(app, "card", price="10.00")
    set_product(app, product_id, report_policy="hold")
    staff(app, client)
    other = app.test_client()
    sign_in(other, "agent@shop.test", PASSWORD)
    for round_ in range(ROUNDS // 2):
        stock(app, product_id, unique_codes(1), name=f"batch {round_}")
        placed, code_id = _held_report(app, client, f"j{round_}@example.com")
        report = wait_for_report(app, code_id, lambda r: r.held_because)
        forms = [{"csrf_token": csrf_from(c, "/admin/")} for c in (client, other)]
        reject, refund = _at_once(
            lambda: client.post(f"/admin/reports/{report.id}/reject", data={**forms[0], "message": "it works"}),
            lambda: other.post(f"/admin/reports/{report.id}/refund", data={**forms[1], "amount": "10.00"}),
        )
        assert (reject.status_code, refund.status_code) == (302, 302)
        status = report_of(app, code_id).status
        refunds = _refunds_of_report(app, report.id)
        assert status in ("rejected", "refunded")
        assert (status == "refunded") == bool(refunds), (status, refunds)


def _refund_whole_order(app, client, placed, amount="9.99") -> None:
    """Staff refund the whole order from its admin page; the worker carries it out."""
    response = staff_post(
        client,
        f"/admin/orders/{placed.number}/refunds",
        amount=amount,
        reason="goodwill",
        key="k" * 16 + placed.number.replace("-", ""),
    )
    assert response.status_code == 302
    assert wait_for_status(app, placed.order_id, "refunded") == "refunded"


def _no_replacement_mail(app, order_id: int, report_id: int) -> bool:
    """No replacement mail owed (mail has no job of its own: it is a row in the mail log)."""
    with app.app_context():
        row = db.session.scalar(
            select(MailLog.id).where(MailLog.key.startswith(order_mail_key(order_id, f"replaced:{report_id}:")))
        )
        db.session.remove()
    return row is None


def test_a_report_decided_by_the_policy_after_the_order_was_refunded_is_held_not_replaced(
    smtp, app, client, shop_env, request
):
    from rq import Queue

    product_id = make_product(app, "card")
    stock(app, product_id, unique_codes(3))
    placed = delivered(app, client)
    [(code_id, _)] = codes_of(app, placed.order_id)
    report_via_page(client, placed.token, code_id)
    Queue("aftersale", connection=app.extensions["keyshop.redis"]).empty()  # its job is lost (no worker yet)
    worker = WorkerProcess(shop_env)
    request.addfinalizer(worker.stop)
    staff(app, client)
    _refund_whole_order(app, client, placed)

    with app.app_context():
        # found again (by this sweep, or by the worker's own sweeper first) and decided by the worker
        assert sweep_reports(db.session, 0) in (0, 1)
        db.session.remove()
    report = wait_for_report(app, code_id, lambda r: r.held_because or r.status != "open")
    assert (report.status, report.held_because) == ("open", "the order was refunded"), worker.log()[-3000:]
    assert codes_of(app, placed.order_id) == [(code_id, "reported")]  # no code claimed for a refunded order
    time.sleep(1)  # a replacement mail would have been queued by the same job
    assert _no_replacement_mail(app, placed.order_id, report.id)
    assert not [m for m in smtp.messages if "replacement" in m["Subject"]]
    page = client.get("/admin/reports").get_data(as_text=True)
    assert "the order was refunded" in page


def test_staff_cannot_replace_a_code_of_a_refunded_order(app, client, worker):
    product_id = make_product(app, "card")
    stock(app, product_id, unique_codes(3))
    set_product(app, product_id, report_policy="hold")
    placed, code_id = _held_report(app, client, "buyer@example.com", amount=999)
    report = wait_for_report(app, code_id, lambda r: r.held_because)
    staff(app, client)
    _refund_whole_order(app, client, placed)

    answer = staff_post(client, f"/admin/reports/{report.id}/replace", follow_redirects=True)
    assert answer.status_code == 200 and "the order was refunded" in answer.get_data(as_text=True)
    assert report_of(app, code_id).status == "open"
    assert codes_of(app, placed.order_id) == [(code_id, "reported")]
    assert _no_replacement_mail(app, placed.order_id, report.id)


def test_a_refund_of_the_whole_order_in_flight_holds_the_replacement(app, client):
    from app.core.audit import Actor
    from payments.refunds import request_refund

    product_id = make_product(app, "card")
    stock(app, product_id, unique_codes(3))
    placed = delivered(app, client)
    [(code_id, _)] = codes_of(app, placed.order_id)
    report_via_page(client, placed.token, code_id)
    with app.app_context():  # recorded, not yet sent: the provider has not answered
        request_refund(db.session, Actor("owner@shop.test", "owner"), placed.order_id, 999, key="in-flight")
        db.session.remove()
    assert _decide(app, code_id) == "held"
    assert report_of(app, code_id).held_because == "the order was refunded"
    assert codes_of(app, placed.order_id) == [(code_id, "reported")]
