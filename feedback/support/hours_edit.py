"""The owner's edit of the support desk's clock: every field checked (the first bad one named), then
all of them saved in one transaction or none, each change audited as `shop.settings.changed`."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.orm import Session

from app.core.audit import Actor
from app.core.db import utcnow
from app.core.shop_settings import change_settings
from feedback.support.business_hours import WEEKDAYS, BusinessHours, NoBusinessTime, add_business_minutes
from feedback.support.clock import FROM_ENVIRONMENT, SETTING_KEYS
from feedback.support.hours_form import (
    TARGETS,
    SupportSettingsError,
    business_hours,
    hours_key,
    parse_holidays,
    parse_minutes,
    parse_ranges,
    parse_zone,
    target_key,
)
from feedback.support.models import KINDS


def checked_support_settings(form: Mapping[str, str]) -> dict[str, str]:
    """The values to store, written the one way they are read back; a field not sent is an error
    (the form sends them all), so a half-sent form never stores half of the hours."""
    values = {key: form.get(key, "") for key in SETTING_KEYS}
    changes = {"support_timezone": parse_zone(values["support_timezone"])}
    for day in WEEKDAYS:
        changes[hours_key(day)] = _ranges_text(parse_ranges(values[hours_key(day)], hours_key(day)))
    changes["support_holidays"] = ", ".join(d.isoformat() for d in sorted(parse_holidays(values["support_holidays"])))
    _opens_again(business_hours(changes))
    for target in TARGETS:
        for kind in KINDS:
            changes[target_key(target, kind)] = _target(values[target_key(target, kind)], target, kind)
    changes["support_warn_percent"] = str(parse_minutes(values["support_warn_percent"], "support_warn_percent", 1, 99))
    before = parse_minutes(values["support_warn_minutes_before"], "support_warn_minutes_before", 0)
    changes["support_warn_minutes_before"] = str(before)
    return changes


def save_support_settings(session: Session, actor: Actor, changes: Mapping[str, str]) -> list[str]:
    """Saved together (owners only); the keys whose value changed."""
    return change_settings(session, actor, changes)


def _opens_again(hours: BusinessHours) -> None:
    """Holidays may not close every working day for years: a deadline would never come."""
    try:
        add_business_minutes(hours, utcnow(), 1)
    except NoBusinessTime:
        raise SupportSettingsError("support_holidays", "they leave no working day in the next three years") from None


def _target(raw: str, target: str, kind: str) -> str:
    """A response target left empty keeps following KEYSHOP_SUPPORT_DEADLINES; no resolution target is 0."""
    if not (raw or "").strip():
        return FROM_ENVIRONMENT if target != "resolution" else "0"
    return str(parse_minutes(raw, target_key(target, kind), 0 if target == "resolution" else 1))


def _ranges_text(ranges: tuple[tuple[int, int], ...]) -> str:
    return ", ".join(f"{_hhmm(start)}-{_hhmm(end)}" for start, end in ranges)


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"
