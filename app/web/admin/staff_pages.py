"""Owners manage the staff: the list, invitations, roles, deactivation, password and two-factor resets.

Each action calls one service (app.core.staff_changes, app.core.staff_join); a refusal answers 4xx
with the page and the reason, which names the field."""

from __future__ import annotations

from flask import current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from sqlalchemy import select

from app.core import staff_changes
from app.core.db import utcnow
from app.core.extensions import db
from app.core.staff import ROLES, Staff, StaffError
from app.core.staff_join import invite, reset_password
from app.core.staff_links import StaffLink
from app.web.admin import bp, owner_required
from delivery.mail.pace import schedule_drain
from delivery.mail.staff_links import owe_link_mail


@bp.get("/staff")
@owner_required
def staff_list():
    return _page()


@bp.post("/staff/invite")
@owner_required
def staff_invite():
    form = request.form
    try:
        invite(db.session, g.actor, form.get("email", ""), form.get("role", ""), _secret(), owe_link_mail)
    except StaffError as exc:
        return _page(str(exc))
    _mail_or_say_so(
        _("Invitation sent to %(email)s: the link in it works once, for 72 hours.", email=form["email"].strip())
    )
    return redirect(url_for("admin.staff_list"))


@bp.post("/staff/<int:staff_id>/<any(role, deactivate, reactivate, two_factor, password):change>")
@owner_required
def staff_change(staff_id: int, change: str):
    try:
        _CHANGES[change](staff_id)
    except StaffError as exc:
        return _page(str(exc))
    flash(_DONE[change])
    return redirect(url_for("admin.staff_list"))


def _reset_password(staff_id: int) -> None:
    reset_password(db.session, g.actor, staff_id, _secret(), owe_link_mail)
    _mail_or_say_so(None)


def _mail_or_say_so(sent: str | None) -> None:
    """The link's mail was owed with the link; the drain is asked for after the commit. With the queue
    down the mail still goes (the sweeper asks again), a little later: the owner hears that."""
    if schedule_drain():
        if sent:
            flash(sent)
    else:
        flash(_("The mail is recorded and goes out once the job queue is back (it is unreachable now)."))


_CHANGES = {
    "role": lambda staff_id: staff_changes.change_role(db.session, g.actor, staff_id, request.form.get("role", "")),
    "deactivate": lambda staff_id: staff_changes.deactivate(db.session, g.actor, staff_id),
    "reactivate": lambda staff_id: staff_changes.reactivate(db.session, g.actor, staff_id),
    "two_factor": lambda staff_id: staff_changes.reset_two_factor(db.session, g.actor, staff_id),
    "password": _reset_password,
}
_DONE = {
    "role": lazy_gettext("Role changed."),
    "deactivate": lazy_gettext("Deactivated: their sessions have ended and they can no longer sign in."),
    "reactivate": lazy_gettext("Reactivated: they can sign in again."),
    "two_factor": lazy_gettext("Two-factor is off for them: they sign in with their password and set it up again."),
    "password": lazy_gettext(
        "Password reset: the old one no longer works, and a link to choose a new one is on its way."
    ),
}


def _page(error: str = ""):
    """The staff list; with an error, answered 404 for an account that is not there, 400 otherwise."""
    db.session.rollback()
    members = db.session.scalars(select(Staff).order_by(Staff.active.desc(), Staff.email)).all()
    waiting = db.session.scalars(
        select(StaffLink)
        .where(StaffLink.purpose == "invite", StaffLink.used_at.is_(None), StaffLink.expires_at > utcnow())
        .order_by(StaffLink.id.desc())
    ).all()
    page = render_template("admin/staff.html", members=members, waiting=waiting, roles=ROLES, error=error)
    db.session.rollback()
    return page, (404 if error.startswith("staff: no such") else 400 if error else 200)


def _secret() -> str:
    return current_app.config["KEYSHOP"].secret_key
