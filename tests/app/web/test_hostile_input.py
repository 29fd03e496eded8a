"""Finding 7 of issue 17, case by case: hostile input (a NUL byte, a lone surrogate, an integer no
database column holds, a body nested past any field, a text longer than its column) is answered with
a 4xx naming the field, never a 500. The sweep of every route, which also checks that a refusal
changes no row, is tests/app/web/test_route_sweep.py."""

from __future__ import annotations

import io
import json

from sqlalchemy import select

from app.core.api_tokens import create_token
from app.core.extensions import db
from feedback.support.models import Conversation
from tests.feedback.aftersale import PASSWORD, delivered, report_via_page, staff, staff_post
from tests.shop import csrf_from, make_product, stock, unique_codes

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
BIG = 2**31


def _refused(answer, field: str, status: int = 400) -> None:
    """A 4xx whose body names the field (JSON: error.field; HTML: the text)."""
    assert answer.status_code == status, answer.get_data(as_text=True)[:300]
    if answer.is_json:
        assert answer.get_json()["error"]["field"] == field
    else:
        assert field in answer.get_data(as_text=True)


def test_a_nul_byte_in_the_checkout_email_is_refused_naming_it(app, client):
    make_product(app, "card")
    answer = client.post(
        "/checkout",
        data={
            "csrf_token": csrf_from(client, "/p/card"),
            "product": "card",
            "email": "a\x00@example.com",
            "method": "sandbox",
            "quantity": "1",
        },
    )
    _refused(answer, "email")


def test_a_nul_byte_in_a_product_slug_is_refused_naming_it(app, client):
    make_product(app, "card")
    _refused(client.get("/p/card%00"), "slug")
    _refused(client.get("/p/card%00/ask"), "slug")
    _refused(client.post("/api/v1/products/card%00/batches", data=b"X"), "slug")


def test_a_nul_byte_in_the_lookup_is_refused_naming_it(app, client):
    answer = client.post(
        "/lookup", data={"csrf_token": csrf_from(client, "/lookup"), "email": "buyer\x00@example.com", "number": "K-1"}
    )
    _refused(answer, "email")


def test_a_nul_byte_in_sign_in_is_refused_naming_it(app, client):
    staff(app, app.test_client(), "owner@shop.test", role="owner")
    answer = client.post(
        "/admin/login",
        data={"csrf_token": csrf_from(client, "/admin/login"), "email": "owner\x00@shop.test", "password": PASSWORD},
    )
    _refused(answer, "email")


def test_a_nul_byte_in_a_file_name_is_refused_naming_it(app, client):
    make_product(app, "card")
    form = {
        "csrf_token": csrf_from(client, "/p/card/ask"),
        "email": "asker@example.com",
        "message": "Hello there",
        "image": (io.BytesIO(PNG), "shot\x00.png"),
    }
    _refused(client.post("/p/card/ask", data=form, content_type="multipart/form-data"), "image")


def test_a_lone_surrogate_in_a_json_body_is_refused_naming_it(app, client):
    make_product(app, "card")
    body = '{"product": "card", "quantity": 1, "method": "sandbox", "email": "a\\ud800@example.com"}'
    _refused(client.post("/api/v1/orders", data=body, content_type="application/json"), "email")
    state = '{"orders": ["\\udfff"], "conversations": []}'
    _refused(client.post("/widget/state", data=state, content_type="application/json"), "orders")
    key = '{"\\ud800": 1}'
    _refused(client.post("/api/v1/orders", data=key, content_type="application/json"), "\ufffd")


def test_a_json_body_nested_past_any_field_is_refused(app, client):
    for depth in (5000, 50):  # 5000: past the parser's own limit, where get_json() raises RecursionError
        body = '{"orders": ' + "[" * depth + "]" * depth + "}"
        for path in ("/api/v1/orders", "/widget/state"):
            answer = client.post(path, data=body, content_type="application/json")
            assert answer.status_code == 400, (path, depth)
            assert answer.get_json()["error"]["field"] in ("orders", "body")


def test_a_number_no_column_holds_in_a_json_body_is_refused_naming_it(app, client):
    make_product(app, "card")
    for quantity in (BIG, 2**63, 10**30, "1e400"):
        body = f'{{"product": "card", "quantity": {quantity}, "method": "sandbox", "email": "a@example.com"}}'
        answer = client.post("/api/v1/orders", data=body, content_type="application/json")
        assert answer.status_code in (400, 422), quantity
        assert answer.get_json()["error"]["field"] == "quantity"


def test_a_huge_quantity_at_checkout_is_refused_naming_it(app, client):
    make_product(app, "card")
    for quantity in (str(BIG), str(2**63), str(10**30)):
        answer = client.post(
            "/checkout",
            data={
                "csrf_token": csrf_from(client, "/p/card"),
                "product": "card",
                "email": "a@example.com",
                "method": "sandbox",
                "quantity": quantity,
            },
        )
        _refused(answer, "quantity")


def test_widget_notice_ids_no_column_holds_are_ignored(app, client):
    for ids in ([BIG], [2**63], [-(2**63) - 1], [10**30]):
        answer = client.post(
            "/widget/seen", data=json.dumps({"notices": ids, "orders": []}), content_type="application/json"
        )
        assert answer.status_code in (200, 400), ids
        if answer.status_code == 200:
            assert answer.get_json() == {"marked": 0}


def test_an_attachment_id_no_column_holds_is_not_found(app, client):
    make_product(app, "card")
    opened = client.post(
        "/p/card/ask",
        data={"csrf_token": csrf_from(client, "/p/card/ask"), "email": "asker@example.com", "message": "Hello there"},
    )
    link = opened.headers["Location"]
    for attachment_id in (BIG, 2**63, 10**30):
        assert client.get(f"{link}/files/{attachment_id}").status_code == 404


def test_a_reported_code_id_no_column_holds_is_refused_naming_it(app, client):
    stock(app, make_product(app, "card"), unique_codes(1))
    placed = delivered(app, client)
    for code_id in (BIG, 2**63, 10**30):
        _refused(report_via_page(client, placed.token, code_id), "code")


def test_staff_ids_no_column_holds_are_not_found(app, client):
    make_product(app, "card")
    staff(app, client, "owner@shop.test", role="owner")
    for path in (f"/admin/products/{BIG}", f"/admin/help/articles/{2**63}"):
        assert client.get(path).status_code == 404, path
    for path in (f"/admin/reports/{BIG}/reject", f"/admin/batches/{BIG}/quarantine", f"/admin/blocks/{10**30}/remove"):
        assert staff_post(client, path).status_code == 404, path


def test_staff_form_numbers_no_column_holds_are_refused(app, client):
    staff(app, client, "owner@shop.test", role="owner")
    answer = staff_post(
        client, "/admin/help/categories", slug="faq", name_en="FAQ", position=str(BIG), follow_redirects=True
    )
    assert answer.status_code == 200
    assert "position" in answer.get_data(as_text=True)


def test_staff_settings_no_column_holds_are_refused_naming_the_field(app, client):
    product_id = make_product(app, "card")
    staff(app, client, "owner@shop.test", role="owner")
    said = staff_post(client, f"/admin/products/{product_id}/daily-limit", limit=str(BIG), follow_redirects=True)
    assert "daily_limit_per_buyer" in said.get_data(as_text=True)
    for raw in ("²", str(BIG)):  # "²".isdigit(), and int() then refuses it wherever the setting is read
        said = staff_post(client, "/admin/settings/agent-refund-limit", limit=raw, follow_redirects=True)
        assert "Not saved: limit" in said.get_data(as_text=True)
    assert "5000" in client.get("/admin/blocks").get_data(as_text=True)


def test_staff_text_no_column_holds_is_refused_naming_the_field(app, client):
    make_product(app, "card")
    staff(app, client, "owner@shop.test", role="owner")
    opened = client.post(
        "/p/card/ask",
        data={"csrf_token": csrf_from(client, "/p/card/ask"), "email": "asker@example.com", "message": "Hello there"},
    )
    assert opened.status_code == 303
    number = _conversation_number(app)
    said = staff_post(client, f"/admin/conversations/{number}/assign", assignee="x" * 300, follow_redirects=True)
    assert "assignee" in said.get_data(as_text=True)
    said = staff_post(
        client, "/admin/reply-templates", name="Hi", locale="x" * 300, body="Hello", follow_redirects=True
    )
    assert "locale" in said.get_data(as_text=True)
    for action in ("reply", "note"):
        said = staff_post(client, f"/admin/conversations/{number}/{action}", body="x" * 6000, follow_redirects=True)
        assert "at most 5000 characters" in said.get_data(as_text=True), action


def _conversation_number(app) -> str:
    with app.app_context():
        number = db.session.scalar(select(Conversation.number))
        db.session.remove()
    return number


def test_a_help_article_names_only_rows_that_exist_and_can_be_edited(app, client):
    staff(app, client, "owner@shop.test", role="owner")
    staff_post(client, "/admin/help/categories", slug="faq", name_en="FAQ")
    for wrong in ({"category_id": "999"}, {"category_id": "1", "product_id": "999"}):
        said = staff_post(
            client,
            "/admin/help/articles/new",
            follow_redirects=True,
            slug="redeem",
            title_en="Redeem",
            body_en="How",
            **wrong,
        )
        assert said.status_code == 200 and "Not saved" in said.get_data(as_text=True), wrong
    saved = staff_post(
        client, "/admin/help/articles/new", slug="redeem", category_id="1", title_en="Redeem", body_en="How"
    )
    edited = staff_post(
        client,
        saved.headers["Location"],
        follow_redirects=True,
        slug="redeem",
        category_id="1",
        title_en="Redeem it",
        body_en="How",
    )
    assert edited.status_code == 200 and "Article saved." in edited.get_data(as_text=True)


def test_a_query_value_longer_than_any_link_is_refused_naming_it(app, client):
    staff(app, client, "owner@shop.test", role="owner")
    for path in ("/admin/orders?q=", "/admin/audit?action=", "/admin/audit.csv?action="):
        answer = client.get(path + "x" * 70_000)  # SQLite: "LIKE or GLOB pattern too complex"
        _refused(answer, path.rsplit("?", 1)[1].rstrip("="))


def test_an_api_upload_sent_as_curl_sends_it_still_reaches_the_importer(app, client):
    """curl --data-binary says application/x-www-form-urlencoded: the guard must not read the body as
    a form, which would leave the view nothing."""
    make_product(app, "card")
    with app.app_context():
        token = create_token(db.session, "up", ["upload"], "test")
        db.session.remove()
    codes = "\n".join(unique_codes(2)) + "\n"
    answer = client.post(
        "/api/v1/products/card/batches",
        data=codes.encode(),
        content_type="application/x-www-form-urlencoded",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 201 and answer.get_json()["imported"] == 2


def test_a_script_asking_for_json_is_refused_in_json(app, client):
    answer = client.get("/help/suggest?q=a%00b", headers={"Accept": "application/json"})
    _refused(answer, "q")
    assert client.get("/help/?q=a%00b").status_code == 400  # a page: the error page, naming q
    assert "q:" in client.get("/help/?q=a%00b").get_data(as_text=True)


def test_a_staff_action_on_a_batch_that_does_not_exist_is_not_found(app, client):
    staff(app, client, "owner@shop.test", role="owner")
    for move in ("quarantine", "revoke", "release"):
        assert staff_post(client, f"/admin/batches/999999/{move}", reason="x").status_code == 404, move
