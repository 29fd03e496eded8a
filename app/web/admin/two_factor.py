"""Two-factor pages: the code step of sign-in, and each staff member's own enrolment."""

from __future__ import annotations

import time

import segno
from flask import flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext
from sqlalchemy import select

from app.core import two_factor
from app.core.extensions import db
from app.core.rate_limit import client_address, reserve
from app.core.staff import Staff
from app.core.staff_access import record_failed_sign_in
from app.core.totp import new_secret, provisioning_uri
from app.web.admin import bp, owner_required, staff_required
from app.web.admin.auth import FAIL_WINDOW, THROTTLED, begin_session

CODE_FAILS, PENDING_SECONDS = 5, 300


@bp.route("/login/code", methods=["GET", "POST"])
def login_code():
    staff_id = session.get("pending_staff_id")
    if staff_id is None or time.time() - session.get("pending_since", 0) > PENDING_SECONDS:
        session.clear()
        return redirect(url_for("admin.login"))
    error = ""
    if request.method == "POST":
        # counted before the code is checked: codes guessed at once get no more tries than one by one
        attempt = reserve(FAIL_WINDOW, ("login-code-fail", str(staff_id), CODE_FAILS))
        if attempt is None:
            session.clear()
            return render_template("admin/login.html", error=THROTTLED), 429
        if two_factor.accept_code(db.session, staff_id, request.form.get("code", "")):
            attempt.give_back()
            return begin_session(staff_id, session.get("pending_next"))
        _record_wrong_code(staff_id)
        error = gettext("That code is wrong or was used already. Enter the code your app shows now.")
    return render_template("admin/login_code.html", error=error), 401 if error else 200


def _record_wrong_code(staff_id: int) -> None:
    email = db.session.scalar(select(Staff.email).where(Staff.id == staff_id)) or ""
    db.session.rollback()
    record_failed_sign_in(db.session, email, client_address(), step="code")


@bp.get("/two-factor")
@staff_required
def two_factor_page():
    staff = db.session.get(Staff, session["staff_id"])
    enabled, required = staff.totp_secret is not None, two_factor.owners_need_it(db.session)
    db.session.rollback()
    secret = None if enabled else session.setdefault("enrol_secret", new_secret())
    qr = segno.make(provisioning_uri(secret, g.actor.email, "keyshop")).svg_inline(scale=4) if secret else ""
    return render_template("admin/two_factor.html", enabled=enabled, required=required, secret=secret, qr=qr)


@bp.post("/two-factor/enable")
@staff_required
def two_factor_enable():
    try:
        two_factor.enable(
            db.session, session["staff_id"], session.get("enrol_secret", ""), request.form.get("code", "")
        )
    except two_factor.TwoFactorError as exc:
        flash(gettext("Not turned on: %(why)s", why=exc))
    else:
        session.pop("enrol_secret", None)
        flash(gettext("Two-factor is on: from now on, sign-in asks for a code from your app."))
    return redirect(url_for("admin.two_factor_page"))


@bp.post("/two-factor/disable")
@staff_required
def two_factor_disable():
    try:
        two_factor.disable(db.session, session["staff_id"], request.form.get("code", ""))
    except two_factor.TwoFactorError as exc:
        flash(gettext("Still on: %(why)s", why=exc))
    return redirect(url_for("admin.two_factor_page"))


@bp.post("/two-factor/owners")
@owner_required
def two_factor_for_owners():
    two_factor.require_for_owners(db.session, g.actor, request.form.get("required") == "1")
    return redirect(url_for("admin.two_factor_page"))
