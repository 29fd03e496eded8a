"""Business time: the shop's opening hours in its own time zone, its working days and holidays.
Pure arithmetic on naive UTC instants (as the database keeps them); no session, no settings.

A day's ranges are wall-clock times of that day, so a range keeps its wall-clock bounds across a
DST change and lasts the real time between them (08:00-24:00 is 15 hours on a spring-forward day).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DAY_MINUTES = 24 * 60
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SEARCH_DAYS = 3 * 366  # how far ahead a deadline is looked for before the hours are called unusable

Range = tuple[int, int]  # minutes since local midnight, start < end <= 24:00


class NoBusinessTime(ValueError):
    """The hours never open within SEARCH_DAYS (no working day, or every one a holiday)."""


@dataclass(frozen=True)
class BusinessHours:
    zone: str  # an IANA name, checked by whoever built this (feedback.support.hours_form)
    week: tuple[tuple[Range, ...], ...]  # Monday first; an empty tuple is a closed day
    holidays: frozenset[date] = frozenset()

    def ranges_on(self, day: date) -> tuple[Range, ...]:
        return () if day in self.holidays else self.week[day.weekday()]


ALWAYS_OPEN = BusinessHours("UTC", (((0, DAY_MINUTES),),) * 7)


def add_business_minutes(hours: BusinessHours, start: datetime, minutes: int) -> datetime:
    """The instant `minutes` of business time after `start`: a target that starts at night starts
    counting when the shop opens, and one that does not fit in a day carries on the next open one."""
    left = timedelta(minutes=minutes)
    if left <= timedelta(0):
        return start
    for opens, closes in open_intervals(hours, start, SEARCH_DAYS):
        opens = max(opens, start)
        if closes - opens >= left:
            return opens + left
        left -= max(closes - opens, timedelta(0))
    raise NoBusinessTime(f"no business time within {SEARCH_DAYS} days of {start.isoformat()}")


def business_minutes_between(hours: BusinessHours, start: datetime, end: datetime) -> int:
    """Whole minutes of business time from `start` to `end` (0 when `end` is not later)."""
    if end <= start:
        return 0
    total = timedelta(0)
    for opens, closes in open_intervals(hours, start, (end - start).days + 2):
        if opens >= end:
            break
        total += max(min(closes, end) - max(opens, start), timedelta(0))
    return int(total.total_seconds() // 60)


def open_intervals(hours: BusinessHours, start: datetime, days: int) -> Iterator[tuple[datetime, datetime]]:
    """The open intervals (naive UTC) of the local days from the one `start` falls on (a day
    earlier, so that a range ending after `start` is never missed), in order."""
    zone = ZoneInfo(hours.zone)
    first = start.replace(tzinfo=UTC).astimezone(zone).date() - timedelta(days=1)
    for offset in range(days + 2):
        day = first + timedelta(days=offset)
        for opens, closes in hours.ranges_on(day):
            yield _utc(day, opens, zone), _utc(day, closes, zone)


def _utc(day: date, minute: int, zone: ZoneInfo) -> datetime:
    """The naive UTC instant of the wall-clock `minute` of `day` (24:00 is the next midnight)."""
    day, minute = (day + timedelta(days=1), 0) if minute >= DAY_MINUTES else (day, minute)
    local = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=zone)
    return local.astimezone(UTC).replace(tzinfo=None)
