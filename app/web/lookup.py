"""Lost the order link? The buyer gives their email, and the order number if they have it; the link
goes to that email, never onto the page, so knowing someone's address shows nothing."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _

from app.core.extensions import db
from app.core.rate_limit import allow, client_address
from app.web.csrf import check_csrf
from delivery.mail.lookup import owe_lookup_mail

bp = Blueprint("lookup", __name__)
bp.before_request(check_csrf)


@bp.route("/lookup", methods=["GET", "POST"])
def lookup():
    if request.method == "GET":
        return render_template("lookup.html", sent=False)
    email = request.form.get("email", "").strip().lower()
    number = request.form.get("number", "").strip().upper()
    if "@" not in email or len(email) > 254 or len(number) > 32:
        abort(400, description=_("email: give the address the order was placed with"))
    if not (allow("lookup", f"ip:{client_address()}", 10, 3600) and allow("lookup", f"email:{email}", 5, 3600)):
        abort(429)
    owe_lookup_mail(db.session, email, number, str(get_locale() or "en"))
    return render_template("lookup.html", sent=True)  # the same answer whether or not an order matched
