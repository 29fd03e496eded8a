"""Staff sign-in, and the shop at a glance (stock and recent orders). No code is ever shown here."""

from __future__ import annotations

import time

from flask import abort, redirect, render_template, request, session, url_for
from flask_babel import gettext, lazy_gettext
from sqlalchemy import select

from app.core.dashboard import daily_series
from app.core.extensions import db
from app.core.models import Order
from app.core.money import format_money
from app.core.rate_limit import Reservation, client_address, reserve
from app.core.staff import StaffError, authenticate, create_first_owner, has_staff
from app.core.staff_access import record_failed_sign_in, sign_in, sign_out, sign_out_everywhere
from app.web.admin import bp, staff_required
from app.web.admin.attention import needs_attention
from app.web.admin.chart_words import alert_words, in_words
from feedback.quality import ranking
from feedback.report_list import open_report_count
from feedback.support.metrics import support_metrics
from keystore.stock import stock_by_product
from payments.figures import refund_series


@bp.route("/login", methods=["GET", "POST"])
def login():
    error = ""
    if not has_staff(db.session):
        return redirect(url_for("admin.setup"))
    if request.method == "POST":
        email, address = request.form.get("email", "").strip().lower(), client_address()
        attempt = _reserve_attempt(email, address)
        if attempt is None:
            return render_template("admin/login.html", error=THROTTLED), 429
        staff = authenticate(db.session, email, request.form.get("password", ""))
        if staff is not None:
            attempt.give_back()  # the right password: only failures use up the allowance
        if staff is not None and staff.totp_secret:
            session.clear()
            session["pending_staff_id"], session["pending_since"] = staff.id, time.time()
            session["pending_next"] = request.args.get("next")
            return redirect(url_for("admin.login_code"))
        if staff is not None:
            return begin_session(staff.id, request.args.get("next"))
        db.session.rollback()
        record_failed_sign_in(db.session, email, address)
        error = gettext("Wrong email or password.")
    return render_template("admin/login.html", error=error), 401 if error else 200


# Failures are counted per address, and per account *from that address*: an attacker elsewhere can
# slow themselves down, but can never lock the owner out of the owner's own machine.
FAIL_WINDOW, FAILS_PER_ADDRESS, FAILS_PER_ACCOUNT = 900, 30, 5
THROTTLED = lazy_gettext("Too many failed sign-ins from here. Wait 15 minutes, or sign in from your usual device.")


def _reserve_attempt(email: str, address: str) -> Reservation | None:
    """Taken before the password is checked, so however many guesses run at once, at most the
    allowance of them reaches a password check."""
    return reserve(
        FAIL_WINDOW,
        ("login-fail-address", address, FAILS_PER_ADDRESS),
        ("login-fail", f"{email}|{address}", FAILS_PER_ACCOUNT),
    )


def begin_session(staff_id: int, next_page: str | None):
    """A session row on the server, named by the cookie (app.core.staff_sessions), and audited."""
    db.session.rollback()  # the sign-in's reads are over; the session row opens its own write
    secret = sign_in(db.session, staff_id, client_address())
    session.clear()  # a fresh session at sign-in: nothing from before carries over
    session["staff_id"], session["staff_session"] = staff_id, secret
    return redirect(_safe_next(next_page))


@bp.route("/setup", methods=["GET", "POST"])
def setup():
    """First run: no account yet, so the first person here makes the owner's. Gone once one exists."""
    if has_staff(db.session):
        abort(404)
    db.session.rollback()
    error = ""
    if request.method == "POST":
        form = request.form
        try:
            if form.get("password", "") != form.get("again", ""):
                raise StaffError(gettext("password: the two passwords differ"))
            staff_id = create_first_owner(db.session, form.get("email", ""), form.get("password", ""))
        except StaffError as exc:
            error = str(exc)
        else:
            begin_session(staff_id, None)
            return redirect(url_for("admin.payment_providers"))
    return render_template("admin/setup.html", error=error), 400 if error else 200


@bp.post("/logout")
def logout():
    """Ends this session on the server too: a copy of the cookie signs no one in afterwards."""
    if isinstance(secret := session.get("staff_session"), str):
        sign_out(db.session, secret)
    session.clear()
    return redirect(url_for("admin.login"))


@bp.post("/logout-everywhere")
@staff_required
def logout_everywhere():
    sign_out_everywhere(db.session, session["staff_id"])
    session.clear()
    return redirect(url_for("admin.login"))


@bp.get("/")
@staff_required
def dashboard():
    orders = db.session.scalars(select(Order).order_by(Order.id.desc()).limit(10)).all()
    attention = needs_attention(db.session)
    stock = stock_by_product(db.session)
    charts = {
        "daily": [in_words(series) for series in daily_series(db.session)],
        "refunds": [in_words(series) for series in refund_series(db.session)],
        "stock": [(row.name, row["available"]) for row in stock],
        "complaints": [(row.name, round(row.rate, 1)) for row in ranking(db.session, "product")][:10],
        "support": support_metrics(db.session, 30),
    }
    return render_template(
        "admin/dashboard.html",
        stock=stock,
        orders=orders,
        money=format_money,
        attention=attention,
        open_reports=open_report_count(db.session),
        charts=charts,
        support_alerts=alert_words(charts["support"]),
    )


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/admin") and not target.startswith("//"):
        return target
    return url_for("admin.dashboard")
