"""The token API for scripts: batch upload (inline or as a job) and stock, each behind its scope."""

from __future__ import annotations

import time

from app.core.api_tokens import create_token
from app.core.extensions import db
from tests.shop import make_product, unique_codes


def _token(app, *scopes) -> dict:
    with app.app_context():
        secret = create_token(db.session, "supplier-sync", list(scopes), created_by="cli")
        db.session.remove()
    return {"Authorization": f"Bearer {secret}"}


def _upload(client, headers, body: bytes, query=""):
    return client.post(f"/api/v1/products/card/batches{query}", data=body, headers=headers)


def test_uploads_need_a_token_with_the_upload_scope(app, client):
    make_product(app)
    assert _upload(client, {}, b"A\n").status_code == 401
    assert _upload(client, {"Authorization": "Bearer ksk_not-a-real-token"}, b"A\n").status_code == 401
    answer = _upload(client, _token(app, "stock"), b"A\n")
    assert answer.status_code == 403 and "upload" in answer.json["error"]["message"]


def test_an_upload_returns_the_line_numbered_result(app, client):
    make_product(app)
    first, second = unique_codes(2)
    answer = _upload(
        client, _token(app, "upload"), f"{first}\n{first}\n\n{second}\n".encode(), "?name=december&supplier=acme"
    )
    assert answer.status_code == 201
    body = answer.json
    assert (body["imported"], body["duplicates"], body["rejected"]) == (2, 1, 0)
    assert body["problems"] == [{"line": 2, "reason": "duplicate of an earlier line in this file"}]


def test_a_dry_run_stores_nothing(app, client):
    make_product(app)
    headers = _token(app, "upload", "stock")
    answer = _upload(client, headers, "\n".join(unique_codes(3)).encode(), "?dry_run=1")
    assert answer.status_code == 200 and answer.json["imported"] == 3 and answer.json["batch_id"] is None
    assert client.get("/api/v1/stock", headers=headers).json["products"][0]["counts"] == {}


def test_an_unknown_product_is_404(app, client):
    assert _upload(client, _token(app, "upload"), b"A\n").status_code == 404


def test_a_bad_csv_header_is_422_and_names_the_column(app, client):
    with app.app_context():
        from app.core.products import CodeOptions, create_product

        create_product(
            db.session,
            slug="card",
            name="Card",
            price="1",
            currency="USD",
            options=CodeOptions(code_format="csv", csv_columns="account,password"),
        )
        db.session.remove()
    answer = _upload(client, _token(app, "upload"), b"account,pin\nann,1\n")
    assert answer.status_code == 422 and "password" in answer.json["error"]["message"]


def test_stock_counts_per_product_and_batch(app, client):
    make_product(app)
    headers = _token(app, "upload", "stock")
    _upload(client, headers, "\n".join(unique_codes(4)).encode(), "?name=first")
    assert client.get("/api/v1/stock", headers=_token(app, "upload")).status_code == 403
    stock = client.get("/api/v1/stock", headers=headers).json
    assert stock["products"] == [{"id": stock["products"][0]["id"], "name": "Card", "counts": {"available": 4}}]
    assert [(b["name"], b["counts"]) for b in stock["batches"]] == [("first", {"available": 4})]


def test_a_large_upload_runs_as_a_job_with_progress(app, client, worker):
    make_product(app)
    app.config["UPLOAD_INLINE_LIMIT"] = 1000  # send a small file down the job path
    codes = unique_codes(300)
    headers = _token(app, "upload", "stock")
    answer = _upload(client, headers, ("\n".join(codes) + "\n" + codes[0] + "\n").encode())
    assert answer.status_code == 202
    status = _finished(client, answer.json["url"], headers)
    assert status["status"] == "finished", worker.log()[-2000:]
    assert (status["total"], status["done"]) == (301, 301)
    assert status["result"]["imported"] == 300
    assert status["result"]["problems"] == [{"line": 301, "reason": "duplicate of an earlier line in this file"}]
    assert client.get("/api/v1/stock", headers=headers).json["products"][0]["counts"] == {"available": 300}
    assert list((app.config["KEYSHOP"].instance / "uploads").iterdir()) == []  # the parked file is gone


def _finished(client, url: str, headers, seconds: float = 30) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        status = client.get(url, headers=headers).json
        if status["status"] in ("finished", "failed"):
            return status
        time.sleep(0.1)
    return status
