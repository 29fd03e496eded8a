"""The support desk's clock for the tests: business hours and targets saved as an owner saves them."""

from __future__ import annotations

import pytest

from app.core.audit import Actor
from app.core.extensions import db
from app.core.shop_settings import stored_values
from feedback.support.clock import SETTING_KEYS
from feedback.support.hours_edit import checked_support_settings, save_support_settings

OWNER = Actor("owner@shop.test", "owner")
HOURS = {"presale": 48, "problem": 48, "service": 48}  # KEYSHOP_SUPPORT_DEADLINES' default
WEEKDAYS_9_TO_5 = {
    **{f"support_hours_{day}": "09:00-17:00" for day in ("mon", "tue", "wed", "thu", "fri")},
    "support_hours_sat": "",
    "support_hours_sun": "",
}


@pytest.fixture
def session(app):
    with app.app_context():
        yield db.session
        db.session.remove()


def configure(session, **changes: str) -> None:
    """The stored values with `changes`, checked and saved as the settings page does."""
    values = {**stored_values(session, SETTING_KEYS), **changes}
    session.rollback()
    save_support_settings(session, OWNER, checked_support_settings(values))
