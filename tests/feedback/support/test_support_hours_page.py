"""The owner's support hours page: saved whole, refused naming the bad field with nothing saved,
hostile input a 4xx, owners only; and KEYSHOP_SUPPORT_DEADLINES carried into minutes by the migration."""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import urlencode

import pytest
from sqlalchemy import select

from app.core.audit import AuditEntry
from app.core.extensions import db
from app.core.shop_settings import stored_values
from feedback.support.clock import SETTING_KEYS
from feedback.support.hours_form import MAX_HOLIDAYS
from tests.feedback.aftersale import staff, staff_post
from tests.shop import csrf_from

GOOD = {
    "support_timezone": "Europe/Berlin",
    **{f"support_hours_{d}": "09:00-12:00, 13:00-17:30" for d in ("mon", "tue", "wed", "thu", "fri")},
    "support_hours_sat": "10:00 - 14:00",
    "support_hours_sun": "",
    "support_holidays": "2026-12-25\n2026-12-24, 2027-01-01",
    **{f"support_{t}_minutes_{k}": "" for t in ("first_response", "next_response") for k in ("presale", "problem")},
    "support_first_response_minutes_service": "90",
    "support_next_response_minutes_service": "45",
    **{f"support_resolution_minutes_{k}": "0" for k in ("presale", "problem")},
    "support_resolution_minutes_service": "2880",
    "support_warn_percent": "75",
    "support_warn_minutes_before": "0",
}


def _stored(app) -> dict[str, str]:
    with app.app_context():
        values = stored_values(db.session, SETTING_KEYS)
        db.session.remove()
    return values


def test_the_owner_saves_the_hours_written_one_way_and_audited(app, client):
    staff(app, client, email="owner@shop.test", role="owner")
    assert staff_post(client, "/admin/support/hours", **GOOD).status_code == 302
    stored = _stored(app)
    assert stored["support_hours_mon"] == "09:00-12:00, 13:00-17:30"
    assert stored["support_hours_sat"] == "10:00-14:00" and stored["support_hours_sun"] == ""
    assert stored["support_holidays"] == "2026-12-24, 2026-12-25, 2027-01-01"
    assert stored["support_first_response_minutes_service"] == "90" and stored["support_warn_percent"] == "75"
    with app.app_context():
        changed = db.session.scalars(select(AuditEntry.target).where(AuditEntry.action == "shop.settings.changed"))
        assert {"support_timezone", "support_hours_sat", "support_resolution_minutes_service"} <= set(changed)
        db.session.remove()
    page = client.get("/admin/support/hours").get_data(as_text=True)
    assert 'value="Europe/Berlin"' in page and "2026-12-24, 2026-12-25" in page


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("support_timezone", "Mars/Olympus_Mons", "Time zone: Mars/Olympus_Mons is not a known time zone"),
        ("support_timezone", "../../etc/passwd", "Time zone: an IANA time zone such as Europe/Berlin"),
        ("support_hours_tue", "17:00-09:00", "Tuesday: 17:00-09:00 ends before it starts"),
        ("support_hours_wed", "09:00-25:00", "Wednesday: 09:00-25:00 is not a time of day"),
        ("support_hours_thu", "09:00-13:00, 12:00-17:00", "Thursday: the ranges overlap"),
        ("support_hours_fri", "nine to five", "Friday: opening hours like 09:00-17:00"),
        ("support_holidays", "2026-02-30", "Holidays: 2026-02-30 is not a date like 2026-12-25"),
        ("support_holidays", "tomorrow", "Holidays: tomorrow is not a date"),
        ("support_first_response_minutes_service", "-5", "First response (service): a whole number from 1 to"),
        ("support_resolution_minutes_problem", "9" * 30, "Resolution (problem): a whole number from 0 to"),
        (
            "support_warn_percent",
            "100",
            "At risk once this share of the target has passed (%): a whole number from 1 to 99",
        ),
    ],
)
def test_a_bad_field_is_named_and_nothing_is_saved(app, client, field, value, words):
    staff(app, client, email="owner@shop.test", role="owner")
    before = _stored(app)
    refused = staff_post(client, "/admin/support/hours", **{**GOOD, field: value})
    assert refused.status_code == 400
    text = refused.get_data(as_text=True)
    assert words in text.replace("&#39;", "'"), text[text.find("Not saved") :][:300]
    assert f'name="{field}"' in text and 'aria-invalid="true"' in text
    assert _stored(app) == before  # not even the good fields


def test_a_week_without_opening_hours_is_refused(app, client):
    staff(app, client, email="owner@shop.test", role="owner")
    closed = {f"support_hours_{d}": "" for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    refused = staff_post(client, "/admin/support/hours", **{**GOOD, **closed})
    assert refused.status_code == 400 and "Monday: at least one day needs opening hours" in refused.get_data(
        as_text=True
    )


def test_holidays_that_close_every_working_day_for_years_are_refused(app, client):
    staff(app, client, email="owner@shop.test", role="owner")
    only_mondays = {f"support_hours_{d}": "" for d in ("tue", "wed", "thu", "fri", "sat", "sun")}
    mondays = [date(2026, 11, 30) + timedelta(weeks=n) for n in range(MAX_HOLIDAYS)]  # about eight years of them
    holidays = ", ".join(day.isoformat() for day in mondays)
    refused = staff_post(client, "/admin/support/hours", **{**GOOD, **only_mondays, "support_holidays": holidays})
    assert refused.status_code == 400
    assert "Holidays: they leave no working day in the next three years" in refused.get_data(as_text=True)


def test_hostile_input_is_a_4xx_and_agents_may_not_change_the_hours(app, client):
    staff(app, client, email="owner@shop.test", role="owner")
    before = _stored(app)
    token = csrf_from(client, "/admin/")
    for field, value in (
        ("support_timezone", "UTC%00"),
        ("support_holidays", "2026-12-25%ED%A0%80"),
        ("support_warn_minutes_before", str(2**64)),
    ):
        body = urlencode({**GOOD, "csrf_token": token, field: "HERE"}).replace("HERE", value)
        sent = client.post("/admin/support/hours", data=body, content_type="application/x-www-form-urlencoded")
        assert sent.status_code == 400, field
    assert _stored(app) == before
    client.get("/admin/logout")
    staff(app, client, email="agent@shop.test", role="agent")
    assert client.get("/admin/support/hours").status_code == 403
    assert staff_post(client, "/admin/support/hours", **GOOD).status_code == 403
    assert _stored(app) == before


def test_the_migration_carries_the_hours_of_the_environment_into_minutes(shop_env, tmp_path, redis_server):
    from tests.conftest import _migrated_app

    env = {**shop_env, "KEYSHOP_DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}"}
    env["KEYSHOP_SUPPORT_DEADLINES"] = "presale=2,problem=12"
    app = _migrated_app(env)
    with app.app_context():
        values = stored_values(db.session, SETTING_KEYS)
        actors = db.session.scalars(select(AuditEntry.reason).where(AuditEntry.target.like("support_%"))).all()
        db.session.remove()
        db.engine.dispose()
    assert values["support_first_response_minutes_presale"] == values["support_next_response_minutes_presale"] == "120"
    assert values["support_first_response_minutes_problem"] == "720"
    assert values["support_first_response_minutes_service"] == "2880"  # not named: 48 hours
    assert len(actors) == 6 and all("KEYSHOP_SUPPORT_DEADLINES" in reason for reason in actors)
