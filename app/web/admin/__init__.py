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
        staff_id = session.get("staff_id")
        g.staff = db.session.get(Staff, staff_id) if staff_id else None
        if g.staff is None or not g.staff.active:
            return redirect(url_for("admin.login", next=request.path))
        g.actor = Actor(g.staff.email, g.staff.role)
        return view(*args, **kwargs)

    return wrapped


def owner_required(view):
    @wraps(view)
    @staff_required
    def wrapped(*args, **kwargs):
        if not g.actor.is_owner:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


from app.web.admin import auth, stock  # noqa: E402,F401  (routes register on bp)
