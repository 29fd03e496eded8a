"""The owner's support clock: business hours (time zone, opening hours per weekday, holidays), the
targets in business minutes per conversation type, and when a deadline counts as at risk."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext, lazy_gettext

from app.core.extensions import db
from app.core.shop_settings import stored_values
from app.web.admin import bp, owner_required
from feedback.support.business_hours import WEEKDAYS
from feedback.support.clock import SETTING_KEYS
from feedback.support.hours_edit import checked_support_settings, save_support_settings
from feedback.support.hours_form import TARGETS, SupportSettingsError, hours_key, target_key
from feedback.support.models import KINDS

DAY_LABELS = dict(
    mon=lazy_gettext("Monday"),
    tue=lazy_gettext("Tuesday"),
    wed=lazy_gettext("Wednesday"),
    thu=lazy_gettext("Thursday"),
    fri=lazy_gettext("Friday"),
    sat=lazy_gettext("Saturday"),
    sun=lazy_gettext("Sunday"),
)
TARGET_LABELS = dict(
    first_response=lazy_gettext("First response"),
    next_response=lazy_gettext("Next response"),
    resolution=lazy_gettext("Resolution"),
)
LABELS = {
    "support_timezone": lazy_gettext("Time zone"),
    "support_holidays": lazy_gettext("Holidays"),
    "support_warn_percent": lazy_gettext("At risk once this share of the target has passed (%)"),
    "support_warn_minutes_before": lazy_gettext("Or this many business minutes before the deadline (0: use the share)"),
    **{hours_key(day): words for day, words in DAY_LABELS.items()},
}


@bp.get("/support/hours")
@owner_required
def support_hours():
    values = stored_values(db.session, SETTING_KEYS)
    db.session.rollback()
    return _page(values)


@bp.post("/support/hours")
@owner_required
def save_support_hours():
    form = {key: request.form.get(key, "") for key in SETTING_KEYS}
    try:
        changes = checked_support_settings(form)
    except SupportSettingsError as exc:  # the form again, as sent, with what to fix; nothing saved
        return _page(form, error=f"{_label(exc.field)}: {gettext(exc.message, **exc.params)}", field=exc.field), 400
    changed = save_support_settings(db.session, g.actor, changes)
    flash(gettext("Support hours saved.") if changed else gettext("Nothing changed."))
    return redirect(url_for("admin.support_hours"))


def _label(field: str) -> str:
    for target in TARGETS:
        for kind in KINDS:
            if field == target_key(target, kind):
                return f"{TARGET_LABELS[target]} ({kind})"
    return str(LABELS.get(field, field))


def _page(values: dict[str, str], error: str = "", field: str = ""):
    return render_template(
        "admin/support_hours.html",
        values=values,
        labels=LABELS,
        days=WEEKDAYS,
        hours_key=hours_key,
        targets=TARGETS,
        target_labels=TARGET_LABELS,
        target_key=target_key,
        kinds=KINDS,
        error=error,
        error_field=field,
    )
