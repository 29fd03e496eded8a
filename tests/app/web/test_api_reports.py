"""The merchant's reports API ("reports" scope): the buyers' reports listed, and decided as an agent
would (replace from stock, refund, reject), once; each refusal names its field."""

from __future__ import annotations

from sqlalchemy import select

from app.core.audit import AuditEntry
from app.core.extensions import db
from feedback.models import CodeReport
from keystore.models import Code
from payments.models import Refund
from tests.app.web.test_api_merchant import _token
from tests.feedback.aftersale import batch_named, codes_of, delivered, report_via_page
from tests.shop import make_product, set_product, stock, unique_codes


def _reported(app, client, count: int) -> list[int]:
    """`count` delivered orders, each with its code reported and held for staff; the report ids."""
    product_id = make_product(app, "card")
    set_product(app, product_id, report_policy="hold")
    stock(app, product_id, unique_codes(count))
    ids = []
    for n in range(count):
        placed = delivered(app, client, email=f"r{n}@example.com")
        [(code_id, _)] = codes_of(app, placed.order_id)
        assert report_via_page(client, placed.token, code_id, text=f"buyer {n}").status_code == 303
        with app.app_context():
            ids.append(db.session.scalar(select(CodeReport.id).where(CodeReport.code_id == code_id)))
            db.session.remove()
    stock(app, product_id, unique_codes(2), name="spare")  # replacements never come from the reported batch
    app.extensions["keyshop.redis"].flushdb()  # no worker: the policy's jobs are not run here
    return ids


def _decide(client, headers, report_id: int, **body):
    return client.post(f"/api/v1/merchant/reports/{report_id}/decision", headers=headers, json=body)


def test_reports_are_listed_and_decided_once_each_as_an_agent(app, client):
    replace, refund, reject = _reported(app, client, 3)
    headers = _token(app, "reports")
    assert client.get("/api/v1/merchant/reports", headers=_token(app, "orders", "codes")).status_code == 403
    listed = client.get("/api/v1/merchant/reports", headers=headers).json["reports"]
    assert sorted(r["id"] for r in listed) == [replace, refund, reject]
    assert {r["text"] for r in listed} == {"buyer 0", "buyer 1", "buyer 2"} and listed[0]["unit_price_minor"] == 999

    reported_batch, spare = batch_named(app, "batch"), batch_named(app, "spare")
    warned = _decide(client, headers, replace, decision="replace", batch_id=reported_batch)  # 3 buyers of 3
    assert warned.status_code == 422 and warned.json["error"] == {
        "field": "batch",
        "message": "batch is above its complaint warning line; no replacement is sent from it",
    }
    replaced = _decide(client, headers, replace, decision="replace", batch_id=spare)
    assert replaced.status_code == 200 and replaced.json["status"] == "replaced" and replaced.json["replaced"]
    with app.app_context():
        new_code = db.session.scalar(select(CodeReport.replacement_code_id).where(CodeReport.id == replace))
        assert db.session.scalar(select(Code.batch_id).where(Code.id == new_code)) == spare
        db.session.remove()
    refunded = _decide(client, headers, refund, decision="refund", amount_minor=999)
    assert refunded.status_code == 200 and refunded.json["status"] == "refunded"
    rejected = _decide(client, headers, reject, decision="reject", message="We tried it: it works.")
    assert rejected.status_code == 200 and rejected.json["status"] == "rejected"
    again = _decide(client, headers, reject, decision="replace")
    assert again.status_code == 409 and again.json["error"]["field"] == "report"

    assert client.get("/api/v1/merchant/reports", headers=headers).json["reports"] == []
    decided = client.get("/api/v1/merchant/reports", headers=headers, query_string={"status": "rejected"})
    assert [r["message"] for r in decided.json["reports"]] == ["We tried it: it works."]
    with app.app_context():
        assert db.session.scalar(select(Refund.amount_minor).where(Refund.id == refunded.json["refund_id"])) == 999
        actors = db.session.scalars(select(AuditEntry.actor).where(AuditEntry.action.like("feedback.report.%"))).all()
        assert sorted(actors) == ["api:merchant-script"] * 3
        db.session.remove()


def test_a_wrong_decision_is_refused_by_its_field_and_changes_nothing(app, client):
    [report_id] = _reported(app, client, 1)
    headers = _token(app, "reports")
    for body, field in [
        ({"decision": "burn"}, "decision"),
        ({"decision": "refund", "amount_minor": True}, "amount_minor"),
        ({"decision": "refund", "amount_minor": 2**40}, "amount_minor"),
        ({"decision": "reject", "message": ""}, "message"),
        ({"decision": "reject", "message": 7}, "message"),
        ({"decision": "replace", "batch_id": "1"}, "batch_id"),
    ]:
        response = _decide(client, headers, report_id, **body)
        assert response.status_code == 422 and response.json["error"]["field"] == field, body
    assert client.post(f"/api/v1/merchant/reports/{report_id}/decision", headers=headers, data="x").status_code == 400
    assert _decide(client, headers, 987654, decision="replace").status_code == 404
    too_much = _decide(client, headers, report_id, decision="refund", amount_minor=10_000)
    assert too_much.status_code == 422 and too_much.json["error"]["field"] == "amount"
    assert client.get("/api/v1/merchant/reports", headers=headers, query_string={"status": "lost"}).status_code == 422
    assert [r["id"] for r in client.get("/api/v1/merchant/reports", headers=headers).json["reports"]] == [report_id]


def test_several_reports_are_replaced_at_once_from_the_chosen_batch_each_on_its_own(app, client):
    first, second, third = _reported(app, client, 3)
    headers = _token(app, "reports")
    assert _decide(client, headers, third, decision="reject", message="It works.").status_code == 200
    spare = batch_named(app, "spare")
    body = {"reports": [first, second, third, 987654], "decision": "replace", "batch_id": spare}
    results = client.post("/api/v1/merchant/reports/decisions", headers=headers, json=body)
    assert results.status_code == 200
    by_id = {r["id"]: r for r in results.json["results"]}
    assert by_id[first]["status"] == by_id[second]["status"] == "replaced"
    assert by_id[third]["error"]["field"] == "report" and by_id[987654]["error"]["message"] == "no such report"
    with app.app_context():
        new_codes = db.session.scalars(select(CodeReport.replacement_code_id).where(CodeReport.id.in_([first, second])))
        assert db.session.scalars(select(Code.batch_id).where(Code.id.in_(list(new_codes)))).all() == [spare, spare]
        db.session.remove()
    for wrong in (
        {"reports": [], "decision": "replace"},
        {"reports": [first, first], "decision": "replace"},
        {"reports": [first], "decision": "refund", "amount_minor": 5},
    ):
        assert client.post("/api/v1/merchant/reports/decisions", headers=headers, json=wrong).status_code == 422
