"""The desk's clock read from the shop settings: targets (the environment's hours where none is set),
the at-risk point by share or by minutes before, and add_business_minutes for other rooms' deadlines."""

from __future__ import annotations

from datetime import datetime

from app.core.shop_settings import DEFAULTS
from feedback.support.clock import SETTING_KEYS, Targets, add_business_minutes, clock_from
from tests.feedback.support.desk_clock import HOURS, WEEKDAYS_9_TO_5, configure, session

__all__ = ["session"]

STORED = {key: DEFAULTS[key] for key in SETTING_KEYS}
MONDAY_9H = datetime(2026, 12, 7, 9)  # UTC, the default zone


def test_targets_follow_the_environment_until_set_in_minutes():
    clock = clock_from({**STORED, "support_next_response_minutes_problem": "30"}, {**HOURS, "problem": 2})
    assert clock.targets["problem"] == Targets(first_response=120, next_response=30, resolution=0)
    assert clock.targets["presale"] == Targets(2880, 2880, 0)
    assert clock.due(MONDAY_9H, 0) is None  # no resolution target: no deadline


def test_at_risk_by_share_or_by_minutes_before():
    hours = {**STORED, **WEEKDAYS_9_TO_5}
    by_share = clock_from({**hours, "support_warn_percent": "75"}, HOURS)
    assert by_share.warning(MONDAY_9H, 480) == datetime(2026, 12, 7, 15)  # 360 of 480 business minutes
    before = clock_from({**hours, "support_warn_minutes_before": "120"}, HOURS)
    assert before.warning(MONDAY_9H, 600) == datetime(2026, 12, 7, 17)  # 480 of 600 in: Monday at closing
    assert before.warning(MONDAY_9H, 60) == MONDAY_9H  # a target shorter than the warning is at risk at once


def test_add_business_minutes_reads_the_shops_hours_from_a_session(app, session):
    assert add_business_minutes(session, datetime(2026, 12, 5, 10), 90) == datetime(2026, 12, 5, 11, 30)
    session.rollback()
    configure(session, **WEEKDAYS_9_TO_5, support_timezone="Asia/Tokyo")  # 09:00 in Tokyo is 00:00 UTC
    assert add_business_minutes(session, datetime(2026, 12, 5, 10), 90) == datetime(2026, 12, 7, 1, 30)
    session.rollback()
