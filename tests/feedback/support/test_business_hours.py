"""Business-time arithmetic: nights, weekends, holidays, lunch breaks, DST changes, long targets,
a shop open round the clock. Instants are naive UTC, as the database keeps them."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import pytest

from feedback.support.business_hours import (
    ALWAYS_OPEN,
    BusinessHours,
    NoBusinessTime,
    add_business_minutes,
    business_minutes_between,
)
from feedback.support.hours_form import parse_ranges

NINE_TO_FIVE = parse_ranges("09:00-17:00", "x")
# Berlin, Monday to Friday 09:00-17:00 (winter: UTC+1, summer: UTC+2); Christmas off.
BERLIN = BusinessHours(
    "Europe/Berlin", (NINE_TO_FIVE,) * 5 + ((), ()), frozenset({date(2026, 12, 24), date(2026, 12, 25)})
)
LUNCH = BusinessHours("Europe/Berlin", (parse_ranges("09:00-12:00, 13:00-17:00", "x"),) * 5 + ((), ()))
EVERY_DAY_8_TO_20 = BusinessHours("Europe/Berlin", (parse_ranges("08:00-20:00", "x"),) * 7)
ROUND_THE_CLOCK_BERLIN = BusinessHours("Europe/Berlin", (parse_ranges("00:00-24:00", "x"),) * 7)


def utc(*parts: int) -> datetime:
    return datetime(*parts)


@pytest.mark.parametrize(
    ("start", "minutes", "due", "why"),
    [
        (utc(2026, 12, 7, 9), 60, utc(2026, 12, 7, 10), "Monday 10:00 + 1 h: 11:00 Berlin"),
        (utc(2026, 12, 7, 15, 30), 60, utc(2026, 12, 8, 8, 30), "Monday 16:30: half an hour, then Tuesday 09:30"),
        (utc(2026, 12, 4, 15), 120, utc(2026, 12, 7, 9), "Friday 16:00: one hour, the weekend, Monday 10:00"),
        (utc(2026, 12, 5, 2), 30, utc(2026, 12, 7, 8, 30), "Saturday night: counts from Monday's opening"),
        (utc(2026, 12, 7, 5), 0, utc(2026, 12, 7, 5), "no minutes: the start itself"),
        (utc(2026, 12, 23, 15), 120, utc(2026, 12, 28, 9), "before two holidays and a weekend: Monday 10:00"),
        (utc(2026, 12, 7, 8), 3 * 480, utc(2026, 12, 9, 16), "three working days: Wednesday at closing"),
        (utc(2026, 12, 7, 8), 3 * 480 + 1, utc(2026, 12, 10, 8, 1), "a minute more: Thursday 09:01"),
        (utc(2026, 12, 7, 8), 10 * 480, utc(2026, 12, 18, 16), "two working weeks: Friday the 18th at closing"),
    ],
)
def test_adding_business_minutes_in_berlin(start, minutes, due, why):
    assert add_business_minutes(BERLIN, start, minutes) == due, why


def test_a_lunch_break_is_skipped():
    assert add_business_minutes(LUNCH, utc(2026, 12, 7, 10, 30), 60) == utc(2026, 12, 7, 12, 30)  # 11:30 -> 13:30
    assert business_minutes_between(LUNCH, utc(2026, 12, 7, 10, 30), utc(2026, 12, 7, 12, 30)) == 60


def test_a_range_keeps_its_wall_clock_across_the_spring_forward_night():
    # Berlin moves from UTC+1 to UTC+2 on Sunday 2026-03-29: opening is 07:00 UTC on Saturday, 06:00 UTC on Sunday.
    saturday_19h = utc(2026, 3, 28, 18)
    assert add_business_minutes(EVERY_DAY_8_TO_20, saturday_19h, 120) == utc(2026, 3, 29, 7)  # Sunday 09:00 CEST
    assert business_minutes_between(EVERY_DAY_8_TO_20, saturday_19h, utc(2026, 3, 29, 7)) == 120
    # Round the clock, the short night is an hour shorter: 23:00 CET + 3 h of real time is 03:00 CEST.
    assert add_business_minutes(ROUND_THE_CLOCK_BERLIN, utc(2026, 3, 28, 22), 180) == utc(2026, 3, 29, 1)


def test_the_fall_back_day_has_twenty_five_hours():
    # Berlin moves from UTC+2 to UTC+1 on Sunday 2026-10-25.
    sunday = (utc(2026, 10, 24, 22), utc(2026, 10, 25, 23))  # local midnight to local midnight
    assert business_minutes_between(ROUND_THE_CLOCK_BERLIN, *sunday) == 25 * 60
    assert add_business_minutes(ROUND_THE_CLOCK_BERLIN, sunday[0], 25 * 60) == sunday[1]
    # 08:00-20:00 stays twelve hours of wall clock on both sides of the change.
    assert business_minutes_between(EVERY_DAY_8_TO_20, utc(2026, 10, 24, 6), utc(2026, 10, 25, 19)) == 24 * 60


def test_a_shop_open_round_the_clock_counts_real_time():
    start = utc(2026, 12, 5, 23, 17)
    assert add_business_minutes(ALWAYS_OPEN, start, 2880) == start + timedelta(hours=48)
    assert business_minutes_between(ALWAYS_OPEN, start, start + timedelta(days=9, minutes=5)) == 9 * 1440 + 5


def test_counting_business_minutes_between_two_instants():
    assert business_minutes_between(BERLIN, utc(2026, 12, 4, 15), utc(2026, 12, 7, 9)) == 120  # over a weekend
    assert business_minutes_between(BERLIN, utc(2026, 12, 5, 10), utc(2026, 12, 6, 20)) == 0  # all weekend
    assert business_minutes_between(BERLIN, utc(2026, 12, 23, 7), utc(2026, 12, 28, 9)) == 480 + 60  # holidays
    assert business_minutes_between(BERLIN, utc(2026, 12, 7, 10), utc(2026, 12, 7, 9)) == 0  # end before start
    assert business_minutes_between(BERLIN, utc(2026, 12, 7, 9), utc(2026, 12, 7, 9, 0, 59)) == 0  # whole minutes


def test_another_zone_west_of_utc():
    new_york = BusinessHours("America/New_York", (NINE_TO_FIVE,) * 5 + ((), ()))
    assert add_business_minutes(new_york, utc(2026, 12, 7, 12), 1) == utc(2026, 12, 7, 14, 1)  # 07:00 EST: wait


def test_adding_then_counting_gives_the_minutes_back():
    rng = random.Random(22)
    for _ in range(300):
        start = utc(2026, 1, 1) + timedelta(minutes=rng.randrange(366 * 1440))
        minutes = rng.randrange(1, 5000)
        for hours in (BERLIN, LUNCH, EVERY_DAY_8_TO_20):
            assert business_minutes_between(hours, start, add_business_minutes(hours, start, minutes)) == minutes


def test_hours_that_never_open_are_refused_rather_than_looped_on():
    never = BusinessHours("UTC", ((),) * 7)
    with pytest.raises(NoBusinessTime):
        add_business_minutes(never, utc(2026, 12, 7), 1)
