"""Staff pages under /admin: one blueprint, its routes split by area.

auth (sign-in, the dashboard) and two_factor; attention (what needs a person); orders (timeline,
refunds); stock and uploads (products, batches, codes); aftersale (reports, reviews, ranking);
support (team inbox); help (help center articles and notices); abuse (blocklist and limits);
audit_log and exports (audited CSV downloads); suppliers (scorecards, claims)."""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, abort, g, redirect, request, session, url_for

from app.core.audit import Actor
from app.core.extensions import db
from app.core.staff_sessions import signed_in_staff
from app.core.two_factor import must_enrol
from app.web.csrf import check_csrf

bp = Blueprint("admin", __name__, url_prefix="/admin")
bp.before_request(check_csrf)


def staff_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        g.actor, must_enrol = _signed_in_actor(session.get("staff_id"), session.get("staff_session"))
        if g.actor is None:
            return redirect(url_for("admin.login", next=request.path))
        g.staff_id = session["staff_id"]
        if must_enrol and request.endpoint not in ENROLMENT:
            return redirect(url_for("admin.two_factor_page"))
        return view(*args, **kwargs)

    return wrapped


# What an owner who must set up two-factor may still reach.
ENROLMENT = {"admin.two_factor_page", "admin.two_factor_enable", "admin.logout"}


def _signed_in_actor(staff_id, secret) -> tuple[Actor | None, bool]:
    """Who is signed in, as a plain value, and whether they must enrol in two-factor first; the read
    is closed so the view may start a write. A session that was signed out (here or everywhere),
    or whose account was deactivated or its password reset, has no row and signs no one in."""
    valid = isinstance(staff_id, int) and isinstance(secret, str)
    staff = signed_in_staff(db.session, staff_id, secret) if valid else None
    actor = Actor(staff.email, staff.role) if staff is not None else None
    enrol = staff is not None and must_enrol(db.session, staff)
    db.session.rollback()
    return actor, enrol


def owner_required(view):
    @wraps(view)
    @staff_required
    def wrapped(*args, **kwargs):
        if not g.actor.is_owner:
            abort(403)
        return view(*args, **kwargs)

    wrapped.owners_only = True  # found by tests/app/web/test_roles.py, which tries each as an agent
    return wrapped


def enabled_field(missing: str = "") -> bool:
    """The form's on/off switch, "1" or "0" (`missing`: what an absent field means); else a 400 naming it."""
    wanted = request.form.get("enabled", missing)
    if wanted not in ("0", "1"):
        abort(400, "enabled: 0 or 1")
    return wanted == "1"


from app.web.admin import (  # noqa: E402,F401  (routes register)
    abuse,
    aftersale,
    attention,
    audit_log,
    auth,
    branding,
    catalog,
    chat,
    disputes,
    dynamic,
    help,
    join,
    notifications,
    orders,
    settings,
    staff_pages,
    stock,
    suppliers,
    support,
    support_hours,
    two_factor,
    webhooks,
)
