"""The support desk's clock: the shop's business hours and its targets (minutes of business time per
conversation kind), read from the shop settings. Every deadline of the desk is set here, and
`add_business_minutes` serves any other deadline that should run in the shop's business time."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from app.core.shop_settings import stored_values
from feedback.support import business_hours as bh
from feedback.support.hours_form import (
    TARGETS,
    business_hours,
    hours_key,
    parse_minutes,
    target_key,
)
from feedback.support.models import KINDS

WARN_KEYS = ("support_warn_percent", "support_warn_minutes_before")
SETTING_KEYS = (
    "support_timezone",
    *(hours_key(day) for day in bh.WEEKDAYS),
    "support_holidays",
    *(target_key(target, kind) for target in TARGETS for kind in KINDS),
    *WARN_KEYS,
)
FROM_ENVIRONMENT = ""  # a response target not set here: KEYSHOP_SUPPORT_DEADLINES' hours


@dataclass(frozen=True)
class Targets:
    first_response: int  # minutes of business time
    next_response: int
    resolution: int  # 0: no resolution target


@dataclass(frozen=True)
class SupportClock:
    hours: bh.BusinessHours
    targets: dict[str, Targets]
    warn_percent: int  # the warning goes when this share of a target has passed...
    warn_minutes_before: int  # ...or, when this is not 0, this many business minutes before the deadline

    def deadline(self, start: datetime, minutes: int) -> datetime:
        return bh.add_business_minutes(self.hours, start, minutes)

    def due(self, start: datetime, minutes: int) -> datetime | None:
        """The deadline of an optional target (0: none)."""
        return self.deadline(start, minutes) if minutes else None

    def warning(self, start: datetime, minutes: int) -> datetime | None:
        """When a deadline `minutes` after `start` is at risk (never before `start`)."""
        if not minutes:
            return None
        ahead = minutes - self.warn_minutes_before if self.warn_minutes_before else minutes * self.warn_percent // 100
        return bh.add_business_minutes(self.hours, start, max(ahead, 0))


def support_clock(session: Session, fallback_hours: Mapping[str, int]) -> SupportClock:
    """Read in the caller's transaction (it neither commits nor rolls back)."""
    return clock_from(stored_values(session, SETTING_KEYS), fallback_hours)


def clock_from(values: Mapping[str, str], fallback_hours: Mapping[str, int]) -> SupportClock:
    targets = {kind: _targets(values, kind, fallback_hours[kind] * 60) for kind in KINDS}
    return SupportClock(
        business_hours(values),
        targets,
        parse_minutes(values["support_warn_percent"], "support_warn_percent", 1, 99),
        parse_minutes(values["support_warn_minutes_before"], "support_warn_minutes_before", 0),
    )


def _targets(values: Mapping[str, str], kind: str, fallback: int) -> Targets:
    """`fallback` for a response target not set; a resolution target not set is none."""

    def minutes(target: str, low: int) -> int:
        raw = values[target_key(target, kind)]
        if raw == FROM_ENVIRONMENT:
            return fallback if low else 0
        return parse_minutes(raw, target_key(target, kind), low)

    return Targets(minutes("first_response", 1), minutes("next_response", 1), minutes("resolution", 0))


def shop_hours(session: Session) -> bh.BusinessHours:
    """The shop's business hours, read in the caller's transaction."""
    return business_hours(stored_values(session, SETTING_KEYS))


def add_business_minutes(session_or_hours: Session | bh.BusinessHours, start: datetime, minutes: int) -> datetime:
    """`minutes` of the shop's business time after `start` (naive UTC): for any deadline that should
    not run at night, on weekends or on holidays. With a session, the hours are read in its transaction."""
    hours = session_or_hours if isinstance(session_or_hours, bh.BusinessHours) else shop_hours(session_or_hours)
    return bh.add_business_minutes(hours, start, minutes)
