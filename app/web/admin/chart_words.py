"""The dashboard's chart titles and units in the reader's words. The figures' services name their
series in English ("Sales (EUR)"); the page translates the name and keeps the currency."""

from __future__ import annotations

from dataclasses import replace

from flask_babel import lazy_gettext

from app.core.dashboard import Series

TITLES = {  # each a literal, so that extraction finds it
    "Orders paid": lazy_gettext("Orders paid"),
    "Sales": lazy_gettext("Sales"),
    "Refunds": lazy_gettext("Refunds"),
    "Paid to delivered, median": lazy_gettext("Paid to delivered, median"),
}
UNITS = {"orders": lazy_gettext("orders")}


def in_words(series: Series) -> Series:
    name, bracket, currency = series.title.partition(" (")
    title = str(TITLES.get(name, name)) + bracket + currency
    return replace(series, title=title, unit=str(UNITS.get(series.unit, series.unit)))
