"""Reading batch files: TXT and CSV, hostile input, normalisation."""

from __future__ import annotations

import io
import json

import pytest

from app.core.products import NORMALISE_MODES
from keystore.formats import (
    NORMALISERS,
    ImportFileError,
    LineProblem,
    display,
    key_of,
    normalise,
    plaintext_and_key,
    read_csv,
)

COLUMNS = ["account", "password"]


def csv_rows(data: bytes):
    return list(read_csv(io.BytesIO(data), COLUMNS))


def test_csv_columns_are_found_by_name_in_any_order():
    rows = csv_rows(b"\xef\xbb\xbfPassword, note ,Account\r\npw1,hello,alice\n\n  pw2 , ,bob  \n")
    assert rows == [(2, {"account": "alice", "password": "pw1"}), (4, {"account": "bob", "password": "pw2"})]


def test_a_header_without_a_required_column_rejects_the_whole_file():
    with pytest.raises(ImportFileError, match="line 1: the header lacks the column\\(s\\) password"):
        csv_rows(b"account,note\nalice,x\n")


def test_an_empty_file_has_no_header():
    with pytest.raises(ImportFileError, match="no header"):
        csv_rows(b"\n\n")


def test_bad_csv_lines_are_named_by_number():
    rows = csv_rows(
        b'account,password\nalice\nbob,\n"carol,pw\ndave,pw4,extra\n'
        + b"eve,\xff\xfe\n"
        + b"x" * 600
        + b",pw\nfrank,pw6\n"
    )
    assert rows == [
        (2, LineProblem(2, "bad CSV: 1 fields where the header has 2")),
        (3, LineProblem(3, "empty field 'password'")),
        (4, LineProblem(4, "bad CSV: unbalanced quotes")),
        (5, LineProblem(5, "bad CSV: 3 fields where the header has 2")),
        (6, LineProblem(6, "not valid UTF-8")),
        (7, LineProblem(7, "field 'account' longer than 512 characters")),
        (8, {"account": "frank", "password": "pw6"}),
    ]


@pytest.mark.parametrize(
    "mode, code, expected",
    [
        ("none", "abCD-12 34", "abCD-12 34"),
        ("case", "abCD-12 34", "ABCD-12 34"),
        ("case_dashes", "abCD-12 34", "ABCD1234"),
        ("case_dashes", "ab--cd  ef", "ABCDEF"),
    ],
)
def test_normalisation(mode, code, expected):
    assert normalise(mode, code) == expected


def test_a_record_is_sealed_whole_and_identified_by_its_first_column():
    plaintext, key = plaintext_and_key({"account": "Alice-1", "password": "pw"}, "case_dashes")
    assert json.loads(plaintext) == {"account": "Alice-1", "password": "pw"}
    assert key == "ALICE1" == key_of(plaintext, "csv", "case_dashes")
    assert display(plaintext, "csv") == "account: Alice-1 · password: pw"
    assert display('{"looks": "like json"}', "text") == '{"looks": "like json"}'


def test_every_normalise_mode_the_catalog_offers_has_a_normaliser_and_no_other():
    assert set(NORMALISERS) == set(NORMALISE_MODES)
