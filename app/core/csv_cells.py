"""CSV for staff to open in a spreadsheet: a cell that a spreadsheet would run as a formula is
kept as text by a leading apostrophe (buyers write emails and names; staff open the export).

Excel reads a CSV without a byte-order mark in the machine's legacy code page (names in Chinese or
German come out garbled) and expects CRLF line ends: `csv_bytes` gives it both."""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in FORMULA_STARTS else text


def csv_text(header: Iterable[str], rows: Iterable[Iterable]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180's line end, whatever the platform
    writer.writerow(header)
    writer.writerows([safe_cell(value) for value in row] for row in rows)
    return out.getvalue()


def csv_bytes(text: str) -> bytes:
    """The file a spreadsheet opens with the right characters: UTF-8 behind its byte-order mark."""
    return codecs.BOM_UTF8 + text.encode("utf-8")
