"""The dashboard's chart titles and units in the reader's words. The figures' services name their
series in English ("Sales (EUR)"); the page translates the name and keeps the currency."""

from __future__ import annotations

from dataclasses import replace

from flask_babel import lazy_gettext as _l

from app.core.dashboard import Series

TITLES = {  # each a literal, so that extraction finds it
    "Orders paid": _l("Orders paid"),
    "Sales": _l("Sales"),
    "Refunds": _l("Refunds"),
    "Paid to delivered, median": _l("Paid to delivered, median"),
}
UNITS = {"orders": _l("orders")}


def in_words(series: Series) -> Series:
    name, bracket, currency = series.title.partition(" (")
    title = str(TITLES.get(name, name)) + bracket + currency
    return replace(series, title=title, unit=str(UNITS.get(series.unit, series.unit)))
