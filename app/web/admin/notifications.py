"""Owners choose who is told of which event (delivery.notifications): a table of staff x events."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext

from app.core.extensions import db
from app.web.admin import bp, owner_required
from app.web.numbers import column_int
from delivery.notifications.events import EVENTS, MODE_WORDS, modes_of
from delivery.notifications.subscriptions import NotificationError, choices, save

FIELD = "mode:"  # mode:<staff id>:<event>


@bp.get("/notifications")
@owner_required
def notifications():
    rows = choices(db.session)
    db.session.rollback()
    return render_template(
        "admin/notifications.html", rows=rows, events=EVENTS, modes_of=modes_of, mode_words=MODE_WORDS
    )


@bp.post("/notifications")
@owner_required
def save_notifications():
    try:
        save(db.session, g.actor, _wanted(request.form.items(multi=True)))
    except NotificationError as exc:
        abort(400, str(exc))
    flash(gettext("Notifications saved."))
    return redirect(url_for("admin.notifications"))


def _wanted(fields) -> dict[int, dict[str, str]]:
    """{staff id: {event: mode}} from the form's mode:<id>:<event> fields; the rest is the service's."""
    wanted: dict[int, dict[str, str]] = {}
    for name, mode in fields:
        if not name.startswith(FIELD):
            continue
        raw_id, _, event = name[len(FIELD) :].partition(":")
        staff_id = column_int(raw_id, low=1)
        if staff_id is None:
            raise NotificationError(gettext("staff: %(id)s is no member's id", id=repr(raw_id[:20])))
        wanted.setdefault(staff_id, {})[event] = mode
    return wanted
