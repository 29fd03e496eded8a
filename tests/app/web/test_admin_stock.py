"""The admin stock pages: upload a file or pasted codes, see the result, act on batches and codes."""

from __future__ import annotations

import io
import re
import time

from sqlalchemy import select

from app.core.audit import AuditEntry
from app.core.extensions import db
from app.core.staff import create_staff
from keystore.models import Code
from tests.shop import csrf_from, make_product, sign_in, unique_codes

PASSWORD = "a long staff password"


def _signed_in(app, client, role="owner"):
    with app.app_context():
        create_staff(db.session, f"{role}@example.com", PASSWORD, role=role)
        db.session.remove()
    assert sign_in(client, f"{role}@example.com", PASSWORD).status_code == 302


def _post(client, path: str, product_id: int, **data):
    token = csrf_from(client, f"/admin/products/{product_id}")
    return client.post(path, data={"csrf_token": token, **data}, content_type="multipart/form-data")


def test_pasted_codes_import_and_the_result_names_bad_lines(app, client):
    product_id = make_product(app)
    _signed_in(app, client, "agent")
    first, second = unique_codes(2)
    answer = _post(
        client,
        f"/admin/products/{product_id}/upload",
        product_id,
        codes=f"{first}\n{second}\n{first}\n",
        name="pasted",
        supplier="acme",
    )
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "2 imported" in page
    assert re.search(r"<td>3</td><td>duplicate of an earlier line in this file</td>", page)
    assert first not in page  # the result never echoes codes


def test_a_file_upload_and_a_dry_run(app, client):
    product_id = make_product(app)
    _signed_in(app, client)
    codes = unique_codes(3)
    data = ("\ufeff" + "\r\n".join(codes)).encode()
    dry = _post(
        client, f"/admin/products/{product_id}/upload", product_id, file=(io.BytesIO(data), "codes.txt"), dry_run="1"
    )
    assert dry.status_code == 200 and "3 would be imported" in dry.get_data(as_text=True)
    assert _statuses(app) == []
    real = _post(client, f"/admin/products/{product_id}/upload", product_id, file=(io.BytesIO(data), "codes.txt"))
    assert real.status_code == 200 and "3 imported" in real.get_data(as_text=True)
    assert _statuses(app) == ["available"] * 3


def test_an_empty_upload_is_refused_with_a_reason(app, client):
    product_id = make_product(app)
    _signed_in(app, client)
    answer = _post(client, f"/admin/products/{product_id}/upload", product_id, codes="  \n")
    assert answer.status_code == 400 and "choose a file or paste codes" in answer.get_data(as_text=True)


def test_a_large_upload_becomes_a_job_whose_page_shows_progress(app, client, worker):
    product_id = make_product(app)
    _signed_in(app, client)
    app.config["UPLOAD_INLINE_LIMIT"] = 1000
    codes = unique_codes(200)
    answer = _post(client, f"/admin/products/{product_id}/upload", product_id, codes="\n".join(codes))
    assert answer.status_code == 302 and "/admin/imports/" in answer.headers["Location"]
    page = _until(client, answer.headers["Location"], "Import finished")
    assert "Import finished" in page, worker.log()[-2000:]
    assert "200 of 200 lines read" in page and "200 imported" in page


def test_an_agent_quarantines_a_batch_but_may_not_reveal_or_export(app, client):
    product_id = make_product(app)
    _signed_in(app, client, "agent")
    _post(client, f"/admin/products/{product_id}/upload", product_id, codes="\n".join(unique_codes(2)))
    with app.app_context():
        batch_id, code_id = db.session.execute(select(Code.batch_id, Code.id)).first()
        db.session.remove()
    assert _post(client, f"/admin/batches/{batch_id}/quarantine", product_id, reason="bad").status_code == 302
    assert _statuses(app) == ["quarantined"] * 2
    assert _post(client, f"/admin/codes/{code_id}/reveal", product_id, reason="x").status_code == 403
    assert _post(client, f"/admin/batches/{batch_id}/export", product_id, reason="x").status_code == 403


def test_an_owner_reveals_and_exports_with_no_store_and_an_audit_entry(app, client):
    product_id = make_product(app)
    _signed_in(app, client)
    codes = unique_codes(2)
    _post(client, f"/admin/products/{product_id}/upload", product_id, codes="\n".join(codes))
    with app.app_context():
        batch_id, code_id = db.session.execute(select(Code.batch_id, Code.id).order_by(Code.id)).first()
        db.session.remove()
    revealed = _post(client, f"/admin/codes/{code_id}/reveal", product_id, reason="ticket 7")
    assert revealed.status_code == 200 and codes[0] in revealed.get_data(as_text=True)
    assert revealed.headers["Cache-Control"] == "no-store"
    exported = _post(client, f"/admin/batches/{batch_id}/export", product_id, reason="backup")
    assert exported.get_data(as_text=True) == "".join(f"{code}\n" for code in codes)
    assert "attachment" in exported.headers["Content-Disposition"]
    with app.app_context():
        actions = db.session.execute(select(AuditEntry.actor, AuditEntry.action)).all()
        db.session.remove()
    assert [tuple(a) for a in actions] == [
        ("owner@example.com", "shop.staff.signed_in"),
        ("owner@example.com", "keystore.batch.imported"),
        ("owner@example.com", "keystore.code.revealed"),
        ("owner@example.com", "keystore.batch.exported"),
    ]
    assert _post(client, f"/admin/codes/{code_id}/reveal", product_id, reason="").status_code == 400


def _statuses(app) -> list[str]:
    with app.app_context():
        statuses = list(db.session.scalars(select(Code.status).order_by(Code.id)))
        db.session.remove()
        return statuses


def _until(client, url: str, text: str, seconds: float = 30) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        page = client.get(url).get_data(as_text=True)
        if text in page:
            return page
        time.sleep(0.1)
    return page
