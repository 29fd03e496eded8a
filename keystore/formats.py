"""Reading batch files: TXT (one code a line) and CSV with a header, line by line, never all at once.

Each reader yields (line number, item) where item is a code (str), a record (dict of the product's
columns) or a LineProblem. UTF-8 with or without BOM, CRLF or LF; blank lines and surrounding spaces
are ignored.
"""
from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

MAX_FIELD_LENGTH = 512
NORMALISERS = {
    "none": lambda code: code,
    "case": lambda code: code.upper(),
    "case_dashes": lambda code: re.sub(r"[\s\-]+", "", code).upper(),
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
    for number, raw in enumerate(stream, start=1):
        if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        try:
            yield number, raw.decode("utf-8").rstrip("\r\n")
        except UnicodeDecodeError:
            yield number, LineProblem(number, "not valid UTF-8")


def read_txt(stream: Iterable[bytes]) -> Iterator[tuple[int, str | LineProblem]]:
    for number, text in decoded_lines(stream):
        if isinstance(text, LineProblem):
            yield number, text
            continue
        code = text.strip()
        if not code:
            continue
        if len(code) > MAX_FIELD_LENGTH:
            yield number, LineProblem(number, f"longer than {MAX_FIELD_LENGTH} characters")
            continue
        yield number, code


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
        raise ImportFileError(f"line {number}: the header lacks the column(s) {', '.join(missing)}; "
                              f"expected {', '.join(columns)}")
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
    return record


def plaintext_and_key(item: str | dict, mode: str) -> tuple[str, str]:
    """What is sealed, and what the blind index sees: a record is identified by its first column."""
    if isinstance(item, dict):
        first = next(iter(item.values()))
        return json.dumps(item, ensure_ascii=False, separators=(",", ":")), normalise(mode, first)
    return item, normalise(mode, item)


def display(plaintext: str, code_format: str) -> str:
    """A stored record shown to its buyer as "account: … · password: …"; a plain code as itself."""
    if code_format == "csv":
        try:
            record = json.loads(plaintext)
        except ValueError:
            return plaintext
        return " · ".join(f"{name}: {value}" for name, value in record.items())
    return plaintext


def key_of(plaintext: str, code_format: str, mode: str) -> str:
    """The blind-index input of a stored plaintext (the inverse view of plaintext_and_key)."""
    if code_format == "csv":
        return normalise(mode, next(iter(json.loads(plaintext).values())))
    return normalise(mode, plaintext)
