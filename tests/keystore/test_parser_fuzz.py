"""Hypothesis against the upload parsers: any bytes at all either read as codes and numbered
problems, or are refused as a whole with a reason; and an upload stores exactly the codes its answer
counts, accounting for every line, with no batch left half-written."""

from __future__ import annotations

import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from app.core.extensions import db
from app.core.models import Product
from app.core.products import create_product
from keystore.formats import MAX_FIELD_LENGTH, ImportFileError, LineProblem, control_character, read_csv, read_txt
from keystore.models import Batch, Code
from keystore.uploads import import_upload

LINES = st.lists(
    st.one_of(
        st.binary(max_size=40),
        st.text(max_size=40).map(str.encode),
        st.sampled_from(
            [b"", b"\xef\xbb\xbfBOM", b'"open', b"a,b", b"code,pin", b" \r", b"x" * (MAX_FIELD_LENGTH + 1)]
        ),
    ),
    max_size=30,
)


def _file(lines: list[bytes]) -> list[bytes]:
    return [line.replace(b"\n", b"") + b"\n" for line in lines]


@settings(max_examples=300, deadline=None)
@given(LINES)
def test_txt_yields_codes_or_problems_with_their_own_line_number(lines):
    try:
        for number, item in read_txt(_file(lines)):
            assert 1 <= number <= len(lines)
            if isinstance(item, LineProblem):
                assert item.line == number and item.reason
            else:
                assert item == item.strip() and 0 < len(item) <= MAX_FIELD_LENGTH
                assert control_character(item) is None  # no NUL, escape or line break is ever sold
    except ImportFileError as exc:  # not UTF-8 text at all (UTF-16 or UTF-32 without a mark)
        assert "save it as UTF-8" in str(exc)


@settings(max_examples=300, deadline=None)
@given(LINES)
def test_csv_yields_records_of_exactly_the_columns_or_refuses_the_file_by_name(lines):
    try:
        for number, item in read_csv(_file(lines), ["code", "pin"]):
            assert 1 <= number <= len(lines)
            assert isinstance(item, LineProblem) and item.line == number or set(item) == {"code", "pin"}
    except ImportFileError as exc:
        assert "header" in str(exc) or "save it as UTF-8" in str(exc)


@pytest.fixture
def product(app):
    with app.app_context():
        product_id = create_product(db.session, slug="card", name="Card", price="1.00", currency="USD").id
        db.session.remove()
    return product_id


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(lines=LINES)
def test_an_upload_accounts_for_every_line_and_stores_exactly_what_it_says(app, product, lines):
    keyring = app.extensions["keyshop.keyring"]
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(Code))
        target = db.session.get(Product, product)
        db.session.expunge(target)
        db.session.rollback()
        try:
            result = import_upload(
                db.session,
                keyring,
                target,
                io.BytesIO(b"".join(_file(lines))),
                name="fuzz",
                source="test",
                uploaded_by="test",
            )
        except ImportFileError:  # refused whole: nothing of it stored, no batch left
            assert db.session.scalar(select(func.count()).select_from(Code)) == before
            assert db.session.scalar(select(func.count()).select_from(Batch).where(Batch.status == "importing")) == 0
            db.session.remove()
            return
        stored = db.session.scalar(select(func.count()).select_from(Code)) - before
        assert stored == result.imported  # what the answer says is what the table holds
        lines_read = sum(1 for _ in read_txt(_file(lines)))
        assert result.imported + result.rejected_count + result.duplicate_count == lines_read  # no line lost
        assert db.session.scalar(select(func.count()).select_from(Batch).where(Batch.status == "importing")) == 0
        db.session.remove()
