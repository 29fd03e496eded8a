"""Reports and replacements racing with deliveries: a reported code is never sold again."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from app.core.extensions import db
from delivery.fulfil import fulfil
from feedback.models import CodeReport
from feedback.policy import apply_policy
from feedback.reports import report_code
from keystore.models import Code
from tests.feedback.aftersale import codes_of, delivered
from tests.shop import make_product, place, sandbox_webhook, stock, unique_codes

REPORTED, RACING, SPARE = 20, 40, 10


def test_replacements_and_deliveries_racing_never_share_or_resell_a_code(app, client):
    product_id = make_product(app, "card")
    stock(app, product_id, unique_codes(REPORTED), name="reported")
    first = [delivered(app, client, email=f"r{n}@example.com") for n in range(REPORTED)]
    # Replacements and new orders claim from one batch (never the one so many buyers report).
    stock(app, product_id, unique_codes(REPORTED + RACING + SPARE), name="spare")
    reported = {codes_of(app, p.order_id)[0][0]: p.order_id for p in first}
    racing = [place(app, "card", email=f"n{n}@example.com") for n in range(RACING)]
    for placed in racing:
        headers, body = sandbox_webhook(app, placed.number, 999)
        assert client.post("/webhooks/sandbox", data=body, headers=headers).status_code == 200

    def in_app(work, *args):
        with app.app_context():
            try:
                return work(db.session, *args)
            finally:
                db.session.remove()

    report_ids = [in_app(report_code, order_id, code_id, "invalid") for code_id, order_id in reported.items()]
    with ThreadPoolExecutor(max_workers=8) as pool:
        decided = [pool.submit(in_app, apply_policy, report_id) for report_id in report_ids]
        delivering = [pool.submit(in_app, fulfil, placed.order_id) for placed in racing]
        outcomes = [f.result() for f in decided], [f.result() for f in delivering]

    assert sorted(set(outcomes[0])) == ["replaced"] and outcomes[1] == ["delivered"] * RACING
    with app.app_context():
        for code_id, order_id in reported.items():  # still the first buyer's, burned
            assert db.session.execute(select(Code.order_id, Code.status).where(Code.id == code_id)).one() == (
                order_id,
                "invalid",
            )
        replacements = db.session.scalars(select(CodeReport.replacement_code_id)).all()
        assert len(set(replacements)) == REPORTED and not set(replacements) & set(reported)
        held = db.session.scalar(select(func.count()).where(Code.order_id.is_not(None)))
        assert held == REPORTED * 2 + RACING  # each code in one order only, none lost
        db.session.remove()
    for placed in racing:
        assert [state for _, state in codes_of(app, placed.order_id)] == ["delivered"]
