"""Staff pages under /admin: one blueprint, its routes split by area (auth, stock)."""
from __future__ import annotations

from functools import wraps

from flask import Blueprint, abort, g, redirect, request, session, url_for

from app.audit import Actor
from app.extensions import db
from app.staff import Staff
from app.web.csrf import check_csrf

bp = Blueprint("admin", __name__, url_prefix="/admin")
bp.before_request(check_csrf)


def staff_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        g.actor = _signed_in_actor(session.get("staff_id"), session.get("staff_epoch", 0))
        if g.actor is None:
            return redirect(url_for("admin.login", next=request.path))
        return view(*args, **kwargs)

    return wrapped


def _signed_in_actor(staff_id, epoch: int) -> Actor | None:
    """Who is signed in, as a plain value; the read is closed so the view may start a write. A
    session from before "sign out everywhere" (an older epoch) signs no one in."""
    staff = db.session.get(Staff, staff_id) if staff_id else None
    valid = staff is not None and staff.active and staff.session_epoch == epoch
    actor = Actor(staff.email, staff.role) if valid else None
    db.session.rollback()
    return actor


def owner_required(view):
    @wraps(view)
    @staff_required
    def wrapped(*args, **kwargs):
        if not g.actor.is_owner:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


from app.web.admin import (abuse, aftersale, audit_log, auth, orders, stock,  # noqa: E402,F401  (routes register)
                           support)
