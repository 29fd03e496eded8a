"""Reading batch files: TXT (one code a line) and CSV with a header, line by line, never all at once.

Each reader yields (line number, item) where item is a code (str), a record (dict of the product's
columns) or a LineProblem. UTF-8 with or without BOM, or UTF-16 with its BOM; CRLF or LF; blank lines
and surrounding spaces are ignored. A file in another encoding is refused whole, or (a stray byte)
its line is rejected; a code holding a control character is rejected.
"""

from __future__ import annotations

import codecs
import csv
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import chain

MAX_FIELD_LENGTH = 512
# Never part of a real code: a NUL, an escape sequence or a line break inside one is garbage or an
# attack on whatever later shows the code (a terminal, a mail, a CSV export).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_SPACES_AND_DASHES = re.compile(r"[\s\-]+")
NORMALISERS: dict[str, Callable[[str], str]] = {
    "none": str,  # a str is returned as itself
    "case": str.upper,
    "case_dashes": lambda code: _SPACES_AND_DASHES.sub("", code).upper(),
}


@dataclass(frozen=True)
class LineProblem:
    line: int
    reason: str


class ImportFileError(ValueError):
    """The file as a whole cannot be read (for example a CSV header without a required column)."""


def normalise(mode: str, code: str) -> str:
    return NORMALISERS[mode](code)


def decoded_lines(stream: Iterable[bytes]) -> Iterator[tuple[int, str | LineProblem]]:
    """Numbered text lines: UTF-8 (a BOM is dropped) or, when its byte-order mark says so, UTF-16."""
    lines = iter(stream)
    first = next(lines, b"")
    encoding = _encoding_by_mark(first)
    if encoding == "utf-8":
        yield from _utf8_lines(chain([first.removeprefix(codecs.BOM_UTF8)], lines))
    else:
        yield from _utf16_lines(chain([first[2:]], lines), encoding)


def _encoding_by_mark(first: bytes) -> str:
    if first.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):  # before UTF-16: FF FE starts both
        raise ImportFileError("the file is UTF-32 text; save it as UTF-8")
    if first.startswith(codecs.BOM_UTF16_LE):
        return "utf-16-le"
    if first.startswith(codecs.BOM_UTF16_BE):
        return "utf-16-be"
    return "utf-8"


def _utf8_lines(lines: Iterable[bytes]) -> Iterator[tuple[int, str | LineProblem]]:
    for number, raw in enumerate(lines, start=1):
        if len(raw) >= 4 and raw.count(b"\x00") * 4 >= len(raw):  # ASCII as UTF-16 or UTF-32 with no mark
            raise ImportFileError(
                f"line {number}: the file is not UTF-8 text (it looks like UTF-16 or UTF-32 "
                f"without a byte-order mark); save it as UTF-8"
            )
        try:
            yield number, raw.decode("utf-8").rstrip("\r\n")
        except UnicodeDecodeError:
            yield number, LineProblem(number, "not valid UTF-8")


def _utf16_lines(chunks: Iterable[bytes], encoding: str) -> Iterator[tuple[int, str]]:
    """The byte stream was split at 0x0A bytes, which mean nothing in UTF-16: decode it whole, then
    split the text at its own line ends."""
    decoder, pending, number = codecs.getincrementaldecoder(encoding)(), "", 0
    for chunk in chunks:
        try:
            pending += decoder.decode(chunk)
        except UnicodeDecodeError:
            raise ImportFileError(
                f"line {number + 1}: not valid {encoding.upper()[:6]} text; save it as UTF-8"
            ) from None
        *complete, pending = pending.split("\n")
        for text in complete:
            number += 1
            yield number, text.rstrip("\r")
    if pending:
        yield number + 1, pending.rstrip("\r")


def control_character(text: str) -> str | None:
    """The first control character in a code (C0 and C1, NUL, DEL, line separators), as U+XXXX."""
    found = _CONTROL.search(text)
    return f"U+{ord(found.group()):04X}" if found else None


def read_txt(stream: Iterable[bytes]) -> Iterator[tuple[int, str | LineProblem]]:
    for number, text in decoded_lines(stream):
        if isinstance(text, LineProblem):
            yield number, text
            continue
        code = text.strip()
        if not code:
            continue
        yield number, code_problem(number, code) or code


def code_problem(number: int, code: str) -> LineProblem | None:
    """What is wrong with a text code (a stripped, non-empty line), if anything."""
    if len(code) > MAX_FIELD_LENGTH:
        return LineProblem(number, f"longer than {MAX_FIELD_LENGTH} characters")
    if control := control_character(code):
        return LineProblem(number, f"contains a control character ({control})")
    return None


def read_csv(stream: Iterable[bytes], columns: list[str]) -> Iterator[tuple[int, dict | LineProblem]]:
    """Records with exactly the product's columns, found by name in the header (in any order)."""
    positions = None
    for number, text in decoded_lines(stream):
        if isinstance(text, LineProblem):
            yield number, text
            continue
        if not text.strip():
            continue
        try:
            [fields] = list(csv.reader([text], strict=True))
        except (csv.Error, ValueError):
            yield number, LineProblem(number, "bad CSV: unbalanced quotes")
            continue
        fields = [field.strip() for field in fields]
        if positions is None:
            positions = _header(number, fields, columns)
            width = len(fields)
            continue
        yield number, _record(number, fields, columns, positions, width)
    if positions is None:
        raise ImportFileError(f"the CSV has no header line; expected the columns {', '.join(columns)}")


def _header(number: int, fields: list[str], columns: list[str]) -> list[int]:
    names = [field.lower() for field in fields]
    missing = [column for column in columns if column.lower() not in names]
    if missing:
        raise ImportFileError(
            f"line {number}: the header lacks the column(s) {', '.join(missing)}; expected {', '.join(columns)}"
        )
    return [names.index(column.lower()) for column in columns]


def _record(number, fields, columns, positions, width) -> dict | LineProblem:
    if len(fields) != width:
        return LineProblem(number, f"bad CSV: {len(fields)} fields where the header has {width}")
    record = {column: fields[position] for column, position in zip(columns, positions)}
    for column, value in record.items():
        if not value:
            return LineProblem(number, f"empty field {column!r}")
        if len(value) > MAX_FIELD_LENGTH:
            return LineProblem(number, f"field {column!r} longer than {MAX_FIELD_LENGTH} characters")
        if control := control_character(value):
            return LineProblem(number, f"field {column!r} contains a control character ({control})")
    return record


def plaintext_and_key(item: str | dict, mode: str) -> tuple[str, str]:
    """What is sealed, and what the blind index sees: a record is identified by its first column."""
    if isinstance(item, dict):
        first = next(iter(item.values()))
        return json.dumps(item, ensure_ascii=False, separators=(",", ":")), normalise(mode, first)
    return item, normalise(mode, item)


def display(plaintext: str, code_format: str) -> str:
    """A stored record shown to its buyer as "account: … · password: …"; a plain code as itself."""
    fields = record_fields(plaintext, code_format)
    return " · ".join(f"{name}: {value}" for name, value in fields) if fields else plaintext


def record_fields(plaintext: str, code_format: str) -> list[tuple[str, str]]:
    """A stored record's (column, value) pairs, for the buyer to copy one by one; none for a plain code."""
    if code_format != "csv":
        return []
    try:
        record = json.loads(plaintext)
    except ValueError:
        return []
    return [(str(name), str(value)) for name, value in record.items()] if isinstance(record, dict) else []


def key_of(plaintext: str, code_format: str, mode: str) -> str:
    """The blind-index input of a stored plaintext (the inverse view of plaintext_and_key)."""
    if code_format == "csv":
        return normalise(mode, next(iter(json.loads(plaintext).values())))
    return normalise(mode, plaintext)
