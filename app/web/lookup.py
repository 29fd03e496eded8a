"""Lost the order link? The buyer gives email and order number; the link goes to that email, never
onto the page, so knowing someone's order number and address shows nothing."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from sqlalchemy import func, select

from app.core.db import utcnow
from app.core.extensions import db
from app.core.models import Order
from app.core.rate_limit import allow, client_address
from app.web.csrf import check_csrf
from delivery.mail.drain import enqueue_one_order_mail

bp = Blueprint("lookup", __name__)
bp.before_request(check_csrf)


@bp.route("/lookup", methods=["GET", "POST"])
def lookup():
    if request.method == "GET":
        return render_template("lookup.html", sent=False)
    email = request.form.get("email", "").strip().lower()
    number = request.form.get("number", "").strip().upper()
    if not (allow("lookup", f"ip:{client_address()}", 10, 3600) and allow("lookup", f"email:{email}", 5, 3600)):
        abort(429)
    order_id = db.session.scalar(select(Order.id).where(Order.number == number, func.lower(Order.email) == email))
    db.session.rollback()
    if order_id is not None:  # at most one mail an hour per order, however often it is asked for
        enqueue_one_order_mail(order_id, f"lookup:{utcnow():%Y%m%d%H}")
    return render_template("lookup.html", sent=True)  # the same answer whether or not an order matched
