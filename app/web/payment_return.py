"""Where a provider sends the buyer back after paying (or cancelling).

GET /back/<provider>/<number>: every provider is given this. Providers keep the URL where others read
it (dashboards, logs, the Epay gateway's order lists), so it carries no secret: the browser that
ordered goes on to its order page, any other gets a page that says where the link is (the order
mail, or /lookup). A provider that captures on the buyer's return (PayPal) captures here.
GET /return/<provider>?next=/o/<token>: what PayPal was given before; kept for checkouts started
then (a PayPal approval lasts three hours), none is given it now.
"""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request

from app.core.extensions import db
from app.core.models import order_token
from app.web.paying_browser import paid_in_this_browser
from delivery.intake import accept_return
from payments.registry import provider as find_provider

bp = Blueprint("payment_return", __name__)
MAX_NUMBER = 32  # numbers are "KS-" and 8 letters; anything much longer is no order of ours


@bp.get("/return/<name>")
def payment_return(name: str):
    adapter = find_provider(name)
    target = request.args.get("next", "")
    if adapter is None or not target.startswith("/o/") or "//" in target:  # never an open redirect
        abort(404)
    accept_return(db.session, adapter, request.args.to_dict())
    return redirect(target, code=303)


@bp.get("/back/<name>/<number>")
def landing(name: str, number: str):
    adapter = find_provider(name)
    if adapter is None or len(number) > MAX_NUMBER:
        abort(404)
    accept_return(db.session, adapter, request.args.to_dict())  # signed proof of payment, if it carries one
    if paid_in_this_browser(number):
        return redirect(f"/o/{order_token(number)}", code=303)
    return render_template("payment_landing.html", number=number)
