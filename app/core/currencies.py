"""Which currencies a price may be in: the ISO 4217 codes that are legal tender somewhere today, as
the CLDR data shipped with Babel records them. "XYZ" looks like a code and is none; "XXX" (no
currency) and "DEM" (gone since 2002) are codes nobody can pay in."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from babel.core import get_global
from babel.numbers import get_territory_currencies


@lru_cache(maxsize=1)
def tender_currencies() -> frozenset[str]:
    today = date.today()
    return frozenset(
        code
        for territory in get_global("territory_currencies")
        for code in get_territory_currencies(territory, today, tender=True)
    )


def is_tender(code: str) -> bool:
    return isinstance(code, str) and code.upper() in tender_currencies()
