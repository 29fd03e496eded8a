"""The support desk's settings as the owner writes them (time zone, opening hours per weekday,
holidays, targets in minutes per kind, the warning): each field checked on its own, the first bad one
named, and the stored text read back by the same functions (so what is stored always parses)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from app.core.errors import BuyerError
from feedback.support.business_hours import DAY_MINUTES, WEEKDAYS, BusinessHours, Range

TARGETS = ("first_response", "next_response", "resolution")
MAX_TARGET_MINUTES = 365 * DAY_MINUTES
MAX_HOLIDAYS = 400
ZONE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+){0,2}")
RANGE = re.compile(r"([0-9]{1,2}):([0-9]{2})-([0-9]{1,2}):([0-9]{2})")
DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
SEPARATORS = re.compile(r"[\s,;]+")


class SupportSettingsError(BuyerError):
    """`field: message`, the message a gettext msgid the settings page translates."""


def hours_key(day: str) -> str:
    return f"support_hours_{day}"


def target_key(target: str, kind: str) -> str:
    return f"support_{target}_minutes_{kind}"


def parse_zone(raw: str, field: str = "support_timezone") -> str:
    name = (raw or "").strip()
    if not ZONE_NAME.fullmatch(name) or len(name) > 64:
        raise SupportSettingsError(field, "an IANA time zone such as Europe/Berlin or UTC")
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise SupportSettingsError(field, "%(zone)s is not a known time zone", zone=name) from None
    return name


def parse_ranges(raw: str, field: str) -> tuple[Range, ...]:
    """ "09:00-12:00, 13:00-17:30"; empty: closed that day."""
    text = re.sub(r"\s*-\s*", "-", (raw or "").strip())
    ranges = sorted(_range(part, field) for part in SEPARATORS.split(text) if part)
    for (_, end), (start, _) in zip(ranges, ranges[1:], strict=False):
        if start < end:
            raise SupportSettingsError(field, "the ranges overlap")
    return tuple(ranges)


def _range(text: str, field: str) -> Range:
    match = RANGE.fullmatch(text)
    if not match:
        raise SupportSettingsError(field, "opening hours like 09:00-17:00 (several: 09:00-12:00, 13:00-17:00)")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if m1 > 59 or m2 > 59 or start >= DAY_MINUTES or end > DAY_MINUTES:
        raise SupportSettingsError(field, "%(text)s is not a time of day (00:00 to 24:00)", text=text)
    if end <= start:
        raise SupportSettingsError(field, "%(text)s ends before it starts", text=text)
    return start, end


def parse_holidays(raw: str, field: str = "support_holidays") -> frozenset[date]:
    days = {_date(part, field) for part in SEPARATORS.split((raw or "").strip()) if part}
    if len(days) > MAX_HOLIDAYS:
        raise SupportSettingsError(field, "at most %(count)s dates", count=MAX_HOLIDAYS)
    return frozenset(days)


def _date(text: str, field: str) -> date:
    try:
        if DATE.fullmatch(text):
            return date.fromisoformat(text)
    except ValueError:
        pass
    raise SupportSettingsError(field, "%(text)s is not a date like 2026-12-25", text=text[:20])


def parse_minutes(raw: str, field: str, low: int, high: int = MAX_TARGET_MINUTES) -> int:
    text = (raw or "").strip()
    value = int(text) if text.isascii() and text.isdigit() and len(text) <= 7 else -1
    if not low <= value <= high:
        raise SupportSettingsError(field, "a whole number from %(low)s to %(high)s", low=low, high=high)
    return value


def business_hours(values: Mapping[str, str]) -> BusinessHours:
    zone = parse_zone(values["support_timezone"])
    week = tuple(parse_ranges(values[hours_key(day)], hours_key(day)) for day in WEEKDAYS)
    if not any(week):
        raise SupportSettingsError(hours_key("mon"), "at least one day needs opening hours")
    return BusinessHours(zone, week, parse_holidays(values["support_holidays"]))
