"""Batches: normalised duplicates, CSV products, staged codes never sold, resume and discard."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from app.core.extensions import db
from app.core.products import CodeOptions, create_product
from keystore.formats import read_txt
from keystore.importer import CHUNK, discard_batch, import_codes
from keystore.models import Batch, Code
from keystore.readers import reader_for
from keystore.reveal import codes_of_order


def _product(app, slug="card", **options) -> int:
    with app.app_context():
        return create_product(
            db.session, slug=slug, name=slug, price="1.00", currency="USD", options=CodeOptions(**options)
        ).id


def _import(app, product_id, data: bytes, **kwargs):
    with app.app_context():
        from app.core.models import Product

        product = db.session.get(Product, product_id)
        lines = reader_for(product)(io.BytesIO(data))
        db.session.rollback()
        result = import_codes(
            db.session, app.extensions["keyshop.keyring"], product_id, lines, name="b", source="test", **kwargs
        )
        db.session.remove()
        return result


def _statuses(app, product_id) -> dict[str, int]:
    with app.app_context():
        rows = db.session.execute(
            select(Code.status, func.count()).where(Code.product_id == product_id).group_by(Code.status)
        ).all()
        db.session.remove()
        return dict(rows)


def test_normalised_duplicates_are_found_without_decrypting(app):
    product_id = _product(app, normalise="case_dashes")
    first = _import(app, product_id, b"ABCD-EFGH-1234\n")
    assert first.imported == 1
    second = _import(app, product_id, b"abcdefgh1234\nabcd efgh 1234\nNEW-CODE\n")
    assert second.imported == 1
    assert [(p.line, p.reason) for p in second.problems] == [
        (1, "duplicate of a code already in stock"),
        (2, "duplicate of a code already in stock"),
    ]


def test_without_normalisation_case_matters(app):
    product_id = _product(app)
    assert _import(app, product_id, b"abc\nABC\n").imported == 2


def test_a_csv_product_stores_whole_records_and_delivers_them_readably(app, client):
    product_id = _product(app, "accounts", code_format="csv", csv_columns="account,password")
    result = _import(app, product_id, b"account,password\nalice,pw1\nALICE,pw2\nbob,pw3\n")
    assert result.imported == 3  # normalise "none": alice and ALICE differ
    from delivery.fulfil import fulfil
    from tests.shop import place, sandbox_webhook

    placed = place(app, "accounts")
    headers, body = sandbox_webhook(app, placed.number, 100)
    client.post("/webhooks/sandbox", data=body, headers=headers)
    with app.app_context():
        assert fulfil(db.session, placed.order_id) == "delivered"
        assert codes_of_order(db.session, app.extensions["keyshop.keyring"], placed.order_id) == [
            "account: alice · password: pw1"
        ]
        db.session.remove()


class _Crash(Exception):
    pass


def _lines_then_crash(data: bytes, after: int):
    for number, item in read_txt(io.BytesIO(data)):
        if number > after:
            raise _Crash
        yield number, item


def _codes(count: int) -> bytes:
    return "".join(f"CODE-{n:06d}\n" for n in range(count)).encode()


def test_an_interrupted_import_sells_nothing_and_is_finished_by_a_resume(app, backend):
    product_id = _product(app)
    data = _codes(2 * CHUNK + 1000)
    with app.app_context(), pytest.raises(_Crash):
        import_codes(
            db.session,
            app.extensions["keyshop.keyring"],
            product_id,
            _lines_then_crash(data, 2 * CHUNK + 500),
            name="big",
            source="test",
        )
    if backend == "postgresql":  # one transaction per batch: nothing at all is left to resume
        assert _statuses(app, product_id) == {}
        assert _import(app, product_id, data).imported == 2 * CHUNK + 1000
        assert _statuses(app, product_id) == {"available": 2 * CHUNK + 1000}
        return
    assert _statuses(app, product_id) == {"staged": 2 * CHUNK}  # two chunks committed, none for sale
    with app.app_context():
        batch = db.session.scalar(select(Batch))
        assert (batch.status, batch.lines_done) == ("importing", 2 * CHUNK)
        db.session.remove()

    result = _import(app, product_id, data, resume_batch_id=batch.id)
    assert (result.batch_id, result.imported, result.duplicate_count) == (batch.id, 2 * CHUNK + 1000, 0)
    assert _statuses(app, product_id) == {"available": 2 * CHUNK + 1000}


def test_an_interrupted_upload_is_discarded_whole(app):
    product_id = _product(app)
    with app.app_context(), pytest.raises(_Crash):
        import_codes(
            db.session,
            app.extensions["keyshop.keyring"],
            product_id,
            _lines_then_crash(_codes(CHUNK + 1000), CHUNK + 500),
            name="upload",
            source="admin",
            keep_partial=False,
        )
    assert _statuses(app, product_id) == {}
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Batch)) == 0
        db.session.remove()


def test_discard_removes_an_interrupted_batch(app, backend):
    product_id = _product(app)
    with app.app_context(), pytest.raises(_Crash):
        import_codes(
            db.session,
            app.extensions["keyshop.keyring"],
            product_id,
            _lines_then_crash(_codes(CHUNK + 1000), CHUNK + 500),
            name="big",
            source="test",
        )
    with app.app_context():
        batch_id = db.session.scalar(select(Batch.id))
        db.session.rollback()
        if backend == "postgresql":
            assert batch_id is None  # the batch's one transaction rolled back; its empty row was removed
        else:
            assert discard_batch(db.session, batch_id) == CHUNK
        db.session.remove()
    assert _statuses(app, product_id) == {}
