"""The dashboard's and the support metrics' figures in the reader's words. The figures' services name
their series in English ("Sales (EUR)"), and their alerts by the measure out of bounds ("csat");
the pages translate the name and keep the currency, and word each alert with its numbers."""

from __future__ import annotations

from dataclasses import replace

from flask_babel import gettext, lazy_gettext

from app.core.dashboard import Series
from feedback.support.metrics import CSAT_WARN, LATE_WARN, SupportMetrics

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


def alert_words(metrics: SupportMetrics) -> list[tuple[str, str]]:
    """(level, what is out of bounds, with the figure and the bound) for each of the metrics' alerts."""
    return [(level, _alert_text(measure, metrics)) for level, measure in metrics.alerts]


def _alert_text(measure: str, metrics: SupportMetrics) -> str:
    if measure == "csat":
        return gettext("CSAT %(value).0f%% is under %(bound).0f%%", value=metrics.csat, bound=CSAT_WARN)
    return gettext("late response rate %(value).0f%% is over %(bound).0f%%", value=metrics.late_rate, bound=LATE_WARN)
