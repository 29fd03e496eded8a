"""Setting a password: from a one-time link (an invitation or a reset), or one's own change."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from app.core.extensions import db
from app.core.staff import StaffError
from app.core.staff_access import change_own_password
from app.core.staff_join import LinkError, check_link, use_link
from app.web.admin import bp, staff_required

# Used and expired links are gone for good (410); a token that names no link was never here (404).
LINK_STATUS = {"used": 410, "expired": 410, "unknown": 404}


@bp.route("/join/<token>", methods=["GET", "POST"])
def join(token: str):
    """Public: the link itself is the proof. The password is set once, then the person signs in."""
    try:
        check_link(db.session, token)
        if request.method == "POST":
            _set_from_link(token)
            flash(_("Your password is set. Sign in with your email and the new password."))
            return redirect(url_for("admin.login"))
    except LinkError as exc:
        return render_template("admin/join.html", error=str(exc), gone=True), LINK_STATUS[exc.problem]
    except StaffError as exc:
        return render_template("admin/join.html", error=str(exc)), 400
    return render_template("admin/join.html", error="")


def _set_from_link(token: str) -> None:
    password = request.form.get("password", "")
    if password != request.form.get("again", ""):
        raise StaffError(_("again: the two passwords differ"))
    use_link(db.session, token, password)


@bp.route("/password", methods=["GET", "POST"])
@staff_required
def own_password():
    """A staff member changes their own password; their other sessions end, this one stays."""
    error = ""
    if request.method == "POST":
        form = request.form
        try:
            if form.get("password", "") != form.get("again", ""):
                raise StaffError(_("again: the two passwords differ"))
            db.session.rollback()
            change_own_password(
                db.session, g.staff_id, form.get("current", ""), form.get("password", ""), session["staff_session"]
            )
        except StaffError as exc:
            error = str(exc)
        else:
            flash(_("Password changed. Your other sessions have ended."))
            return redirect(url_for("admin.dashboard"))
    return render_template("admin/password.html", error=error), 400 if error else 200
