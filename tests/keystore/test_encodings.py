"""Issue 17 finding 10: UTF-16 files and control characters never become garbage codes for sale.

A file with a byte-order mark is decoded as its mark says; UTF-16 or UTF-32 without one, or UTF-32
at all, is refused whole with a message naming the problem; a code holding a control character is
a rejected line with its number.
"""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from app.core.extensions import db
from app.core.models import Product
from app.core.products import CodeOptions, create_product
from keystore.formats import ImportFileError
from keystore.importer import import_codes
from keystore.models import Batch, Code
from keystore.readers import reader_for
from tests.keystore.test_hostile_files import stock_codes
from tests.secrets_in_logs import PLANTED

CODES = ["UTF-0001-ÄÖ", "UTF-0002-€", "UTF-0003"]
PLANTED.update(CODES)


def _product(app, **options) -> int:
    with app.app_context():
        return create_product(
            db.session, slug="card", name="Card", price="1.00", currency="USD", options=CodeOptions(**options)
        ).id


def _import(app, product_id, data: bytes):
    with app.app_context():
        lines = reader_for(db.session.get(Product, product_id))(io.BytesIO(data))
        db.session.rollback()
        result = import_codes(
            db.session, app.extensions["keyshop.keyring"], product_id, lines, name="enc", source="test"
        )
        db.session.remove()
        return result


def _stored(app) -> int:
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(Code))
        batches = db.session.scalar(select(func.count()).select_from(Batch))
        db.session.remove()
        return count + batches


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-8-sig"])
def test_a_file_with_a_byte_order_mark_is_decoded_as_it_says(app, encoding):
    product_id = _product(app)
    text = "\r\n".join(CODES) + "\r\n"
    data = text.encode(encoding)
    if encoding in ("utf-16-le", "utf-16-be"):  # the codec names without a mark write none: add it
        data = "\ufeff".encode(encoding) + data
    result = _import(app, product_id, data)
    assert (result.imported, result.problems) == (3, [])
    assert stock_codes(app, result.batch_id) == CODES


def test_a_utf16_csv_with_a_mark_is_decoded_too(app):
    product_id = _product(app, code_format="csv", csv_columns="account,password")
    data = "\ufeffaccount,password\r\nann,pw-ä\r\nbob,pw-2\r\n".encode("utf-16-le")
    PLANTED.update({"pw-ä", "pw-2"})
    result = _import(app, product_id, data)
    assert result.imported == 2
    assert stock_codes(app, result.batch_id) == ["account: ann · password: pw-ä", "account: bob · password: pw-2"]


@pytest.mark.parametrize(
    "data, problem",
    [
        ("\n".join(CODES).encode("utf-16-le"), "line 1: the file is not UTF-8 text"),
        ("\n".join(CODES).encode("utf-16-be"), "line 1: the file is not UTF-8 text"),
        ("\n".join(CODES).encode("utf-32"), "UTF-32"),
        (b"UTF-0004\n" + "\n".join(CODES).encode("utf-16-le"), "line 2: the file is not UTF-8 text"),
    ],
    ids=["utf-16-le", "utf-16-be", "utf-32", "utf-16-after-a-utf-8-line"],
)
def test_utf16_or_utf32_without_a_mark_is_refused_whole(app, data, problem):
    product_id = _product(app)
    with pytest.raises(ImportFileError, match=problem) as raised:
        _import(app, product_id, data)
    assert "save it as UTF-8" in str(raised.value)
    assert _stored(app) == 0  # no code, and no empty batch left behind


def test_control_characters_in_a_code_reject_its_line(app):
    product_id = _product(app)
    lines = [
        b"GOOD-0001",
        b"NUL\x00-0002",
        b"TAB\tIN-0003",
        b"DEL\x7f-0004",
        b"ESC\x1b[31m-0005",
        "C1\u0085-0006".encode(),
        b"CR\rIN-0007",
        "LS\u2028-0008".encode(),
        b"\tGOOD-0009\t",
    ]
    PLANTED.update({"GOOD-0001", "GOOD-0009"})
    result = _import(app, product_id, b"\n".join(lines) + b"\n")
    assert result.imported == 2
    assert [(p.line, p.reason) for p in result.problems] == [
        (2, "contains a control character (U+0000)"),
        (3, "contains a control character (U+0009)"),
        (4, "contains a control character (U+007F)"),
        (5, "contains a control character (U+001B)"),
        (6, "contains a control character (U+0085)"),
        (7, "contains a control character (U+000D)"),
        (8, "contains a control character (U+2028)"),
    ]
    assert stock_codes(app, result.batch_id) == ["GOOD-0001", "GOOD-0009"]  # surrounding tabs are spaces


def test_control_characters_in_a_csv_cell_reject_its_line(app):
    product_id = _product(app, code_format="csv", csv_columns="account,password")
    data = b'account,password\nann,pw1\nbob,"p\tw"\ncar\x00ol,pw3\ndave,"pw\n4"\neve,pw5\n'
    PLANTED.update({"pw1", "pw5"})
    result = _import(app, product_id, data)
    assert result.imported == 2
    assert [(p.line, p.reason) for p in result.problems] == [
        (3, "field 'password' contains a control character (U+0009)"),
        (4, "field 'account' contains a control character (U+0000)"),
        (5, "bad CSV: unbalanced quotes"),  # a record never spans lines: the quote is left open
        (6, "bad CSV: 1 fields where the header has 2"),
    ]
