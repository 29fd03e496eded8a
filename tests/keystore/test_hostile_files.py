"""Hostile batch files through the real import: exact counts, every bad line named by number."""

from __future__ import annotations

import io

import pytest

from app.core.extensions import db
from app.core.models import Product
from app.core.products import CodeOptions, create_product
from keystore.formats import ImportFileError
from keystore.importer import import_codes
from keystore.readers import reader_for
from tests.secrets_in_logs import PLANTED
from tests.shop import stock


def _product(app, **options) -> int:
    with app.app_context():
        return create_product(
            db.session, slug="card", name="Card", price="1.00", currency="USD", options=CodeOptions(**options)
        ).id


def _import(app, product_id, data: bytes, dry_run=False):
    with app.app_context():
        lines = reader_for(db.session.get(Product, product_id))(io.BytesIO(data))
        db.session.rollback()
        result = import_codes(
            db.session,
            app.extensions["keyshop.keyring"],
            product_id,
            lines,
            name="hostile",
            source="test",
            dry_run=dry_run,
        )
        db.session.remove()
        return result


HOSTILE_TXT = (
    b"\xef\xbb\xbfAAA-0001\r\n"  # 1 BOM and CRLF
    b"\r\n"  # 2 blank
    b"   BBB-0002   \r\n"  # 3 surrounding spaces
    b"AAA-0001\n" + b"L" * 513 + b"\n"  # 4 repeats line 1, LF this time  # 5 too long
    b"\xff\xfeCCC\n"  # 6 not UTF-8
    b"STOCKED-0001\n"  # 7 already in stock
    b"\t \n"  # 8 only spaces
    b"CCC-0003"
)  # 9 no newline at the end
PLANTED.update({"AAA-0001", "BBB-0002", "CCC-0003", "STOCKED-0001"})


@pytest.mark.parametrize("dry_run", [True, False])
def test_a_hostile_txt_file_gets_an_exact_line_numbered_result(app, dry_run):
    product_id = _product(app)
    stock(app, product_id, ["STOCKED-0001"])

    result = _import(app, product_id, HOSTILE_TXT, dry_run=dry_run)

    assert (result.imported, result.duplicate_count, result.rejected_count) == (3, 2, 2)
    assert [(p.line, p.reason) for p in result.problems] == [
        (4, "duplicate of an earlier line in this file"),
        (5, "longer than 512 characters"),
        (6, "not valid UTF-8"),
        (7, "duplicate of a code already in stock"),
    ]
    if not dry_run:
        stored = stock_codes(app, result.batch_id)
        assert stored == ["AAA-0001", "BBB-0002", "CCC-0003"]


def test_a_dry_run_stores_nothing(app):
    product_id = _product(app)
    result = _import(app, product_id, HOSTILE_TXT, dry_run=True)
    assert result.imported == 4 and result.batch_id is None
    with app.app_context():
        from sqlalchemy import func, select

        from keystore.models import Batch, Code

        assert db.session.scalar(select(func.count()).select_from(Code)) == 0
        assert db.session.scalar(select(func.count()).select_from(Batch)) == 0
        db.session.remove()


def test_normalised_duplicates_across_case_and_dashes(app):
    product_id = _product(app, normalise="case_dashes")
    result = _import(app, product_id, b"abcd-efgh\nABCDEFGH\nab cd ef gh\nZZZZ\n")
    assert (result.imported, result.duplicate_count) == (2, 2)
    assert [p.line for p in result.problems] == [2, 3]


def test_a_hostile_csv_file(app):
    product_id = _product(app, code_format="csv", csv_columns="account,password")
    data = (
        "\ufeffnote,Password,ACCOUNT\r\n"  # 1 header: any order and case, an extra column
        "first,pw1,alice\r\n"  # 2
        "second,,bob\r\n"  # 3 empty password
        "third,pw3\r\n"  # 4 a column short
        '"fourth,pw4,carol\r\n'  # 5 unbalanced quote
        "fifth,pw5,alice\r\n"  # 6 alice again
        "\r\n"  # 7 blank
        "sixth,pw6,dave\r\n"
    ).encode()  # 8
    PLANTED.update({"pw1", "pw6"})

    result = _import(app, product_id, data)

    assert (result.imported, result.duplicate_count, result.rejected_count) == (2, 1, 3)
    assert [(p.line, p.reason) for p in result.problems] == [
        (3, "empty field 'password'"),
        (4, "bad CSV: 2 fields where the header has 3"),
        (5, "bad CSV: unbalanced quotes"),
        (6, "duplicate of an earlier line in this file"),
    ]
    assert stock_codes(app, result.batch_id) == ["account: alice · password: pw1", "account: dave · password: pw6"]


def test_a_csv_header_without_a_required_column_stores_nothing(app):
    product_id = _product(app, code_format="csv", csv_columns="account,password")
    with pytest.raises(ImportFileError, match="line 1: the header lacks the column.s. password"):
        _import(app, product_id, b"account,note\nalice,x\n")
    with app.app_context():
        from sqlalchemy import func, select

        from keystore.models import Batch

        assert db.session.scalar(select(func.count()).select_from(Batch)) == 0  # no empty batch to clean up
        db.session.remove()


def stock_codes(app, batch_id: int) -> list[str]:
    with app.app_context():
        from sqlalchemy import select

        from keystore.formats import display
        from keystore.models import Code
        from keystore.reveal import open_code

        keyring = app.extensions["keyshop.keyring"]
        rows = db.session.scalars(select(Code).where(Code.batch_id == batch_id).order_by(Code.id)).all()
        fmt = db.session.scalar(select(Product.code_format))
        opened = [display(open_code(keyring, row), fmt) for row in rows]
        db.session.remove()
        return opened
