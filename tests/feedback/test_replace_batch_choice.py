"""Issue 22: staff replacing a code on the admin reports page may pick the batch it comes from. Only
batches a replacement may come from are offered and taken (on sale, not above their complaint
warning line); any other is refused by name and nothing changes; hostile input is a 400."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from sqlalchemy import select, update

from app.core.extensions import db
from feedback.models import CodeReport
from keystore.models import Batch, Code
from tests.feedback.aftersale import (
    batch_named,
    code_states,
    codes_of,
    delivered,
    report_and_decide,
    report_of,
    staff,
)
from tests.shop import csrf_from, make_product, set_product, stock, unique_codes


@pytest.fixture
def held_report(app, client):
    """A held report of a code of "sold" (1 buyer reporting of 2 delivered: above its warning line of
    30%, not held, 2 buyers being its minimum), with "good", "shut" (on hold) and "gone" (revoked)
    in stock, and "elsewhere" of another product. Returns (report id, code id, batch ids by name)."""
    product_id = make_product(app, "card")
    set_product(app, product_id, report_policy="hold")
    stock(app, product_id, unique_codes(3), name="sold")
    batch_named(app, "sold", complaint_threshold_pct=60, complaint_min_reports=2)
    placed, _other = delivered(app, client), delivered(app, client, email="other@example.com")
    for name in ("good", "shut", "gone"):
        stock(app, product_id, unique_codes(2), name=name)
    stock(app, make_product(app, "other"), unique_codes(2), name="elsewhere")
    assert report_and_decide(app, client, placed) == "held"
    with app.app_context():
        db.session.execute(update(Batch).where(Batch.name == "shut").values(on_hold=True))
        db.session.execute(update(Batch).where(Batch.name == "gone").values(withdrawn="revoked"))
        db.session.commit()
        db.session.remove()
    [(code_id, _)] = codes_of(app, placed.order_id)
    names = ("sold", "good", "shut", "gone", "elsewhere")
    staff(app, client)
    return report_of(app, code_id).id, code_id, {name: batch_named(app, name) for name in names}


def _offered(client, report_id: int) -> list[str]:
    page = client.get("/admin/reports").get_data(as_text=True)
    section = page[page.index(f'id="report-{report_id}"') :]
    select_html = section[section.index('name="batch_id"') : section.index("</select>")]
    return re.findall(r'<option value="\d+">([^<(·]+?)\s', select_html)


def _replace(client, report_id: int, batch_id: str) -> tuple[int, str]:
    """The form as a browser sends it; a lone surrogate goes as its UTF-8 bytes, as a hostile one would."""
    form = {"csrf_token": csrf_from(client, "/admin/"), "batch_id": batch_id}
    body = urlencode(form, encoding="utf-8", errors="surrogatepass")
    response = client.post(
        f"/admin/reports/{report_id}/replace", data=body, content_type="application/x-www-form-urlencoded"
    )
    page = client.get("/admin/reports").get_data(as_text=True) if response.status_code == 302 else ""
    return response.status_code, page


def _still_open(app, report_id: int, code_id: int, batches: dict) -> None:
    with app.app_context():
        assert db.session.scalar(select(CodeReport.status).where(CodeReport.id == report_id)) == "open"
        db.session.remove()
    assert code_states(app, batches["sold"]) == {"reported": 1, "delivered": 1, "available": 1}
    assert code_states(app, batches["good"]) == {"available": 2}


def test_only_allowed_batches_are_offered_and_the_chosen_one_gives_the_code(app, client, held_report):
    report_id, code_id, batches = held_report
    assert _offered(client, report_id) == ["good"]
    status, page = _replace(client, report_id, str(batches["good"]))
    assert status == 302 and "decided; the buyer is told by mail" in page
    with app.app_context():
        new_code = db.session.scalar(select(CodeReport.replacement_code_id).where(CodeReport.id == report_id))
        assert db.session.scalar(select(Code.batch_id).where(Code.id == new_code)) == batches["good"]
        db.session.remove()


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("sold", "batch: sold is above its complaint warning line; no replacement is sent from it"),
        ("shut", "batch: shut is off sale (on hold for complaints)"),
        ("gone", "batch: gone is off sale (revoked)"),
        ("elsewhere", "batch: there is no batch {id} of this product"),
    ],
)
def test_a_batch_not_allowed_is_refused_by_name_and_nothing_changes(app, client, held_report, name, why):
    report_id, code_id, batches = held_report
    status, page = _replace(client, report_id, str(batches[name]))
    assert status == 302
    assert f"Report {report_id} not changed: {why.format(id=batches[name])}" in page.replace("&#39;", "'")
    _still_open(app, report_id, code_id, batches)


@pytest.mark.parametrize("hostile", ["\x00", "1\ud800", "99999999999999999999", "-1", "0", "abc", "1.5", "٣"])
def test_a_hostile_batch_id_is_a_400_and_nothing_changes(app, client, held_report, hostile):
    report_id, code_id, batches = held_report
    status, _page = _replace(client, report_id, hostile)
    assert status == 400
    _still_open(app, report_id, code_id, batches)


def test_no_batch_chosen_takes_the_best_one(app, client, held_report):
    report_id, _code_id, batches = held_report
    assert _replace(client, report_id, "")[0] == 302
    with app.app_context():
        new_code = db.session.scalar(select(CodeReport.replacement_code_id).where(CodeReport.id == report_id))
        assert db.session.scalar(select(Code.batch_id).where(Code.id == new_code)) == batches["good"]
        db.session.remove()
