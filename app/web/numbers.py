"""Whole numbers from the outside, held to what the database columns can store: ids and counts are
PostgreSQL `integer` (signed 32-bit), and a number past that must be refused, not sent to the
database (PostgreSQL answers "integer out of range", SQLite's driver overflows past 64 bits)."""

from __future__ import annotations

import re

from werkzeug.routing import IntegerConverter

MAX_INT = 2**31 - 1
MIN_BIGINT, MAX_BIGINT = -(2**63), 2**63 - 1
DIGITS = re.compile(r"[+-]?[0-9]{1,19}")  # ASCII only: int() would also read "٣" and "1_000"


class DatabaseId(IntegerConverter):
    """Flask's `int` converter, bounded: /admin/products/2147483648 is no row, so it is not found."""

    def __init__(
        self, map, fixed_digits: int = 0, min: int | None = None, max: int | None = MAX_INT, signed: bool = False
    ) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def column_int(raw, low: int = -MAX_INT - 1, high: int = MAX_INT) -> int | None:
    """The whole number `raw` spells (a str, or an int that is not a bool) if a column holds it, else None."""
    if isinstance(raw, str):
        raw = raw.strip()
        value = int(raw) if DIGITS.fullmatch(raw) else None
    else:
        value = raw if type(raw) is int else None
    return value if value is not None and low <= value <= high else None
