"""Staff pages: sign in, and the shop at a glance (stock and recent orders). No code is ever shown here."""
from __future__ import annotations

from functools import wraps

from flask import Blueprint, g, redirect, render_template, request, session, url_for
from sqlalchemy import func, select

from app.extensions import db
from app.models import Order, Product
from app.money import format_money
from app.staff import Staff, authenticate
from keystore.models import Code

bp = Blueprint("admin", __name__, url_prefix="/admin")


def staff_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        staff_id = session.get("staff_id")
        g.staff = db.session.get(Staff, staff_id) if staff_id else None
        if g.staff is None or not g.staff.active:
            return redirect(url_for("admin.login", next=request.path))
        return view(*args, **kwargs)

    return wrapped


@bp.route("/login", methods=["GET", "POST"])
def login():
    error = ""
    if request.method == "POST":
        staff = authenticate(db.session, request.form.get("email", ""), request.form.get("password", ""))
        if staff is not None:
            session.clear()  # a fresh session at sign-in: nothing from before carries over
            session["staff_id"] = staff.id
            return redirect(_safe_next(request.args.get("next")))
        error = "Wrong email or password."
    return render_template("admin/login.html", error=error), 401 if error else 200


@bp.post("/logout")
def logout():
    session.clear()
    return redirect(url_for("admin.login"))


@bp.get("/")
@staff_required
def dashboard():
    stock = db.session.execute(
        select(Product.name, Code.status, func.count()).join(Code, Code.product_id == Product.id)
        .group_by(Product.name, Code.status)
    ).all()
    table: dict[str, dict[str, int]] = {}
    for name, status, count in stock:
        table.setdefault(name, {})[status] = count
    orders = db.session.scalars(select(Order).order_by(Order.id.desc()).limit(50)).all()
    return render_template("admin/dashboard.html", stock=table, orders=orders, money=format_money)


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/admin") and not target.startswith("//"):
        return target
    return url_for("admin.dashboard")
