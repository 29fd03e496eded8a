"""The sandbox provider's payment page (on only when KEYSHOP_SANDBOX is set, as in the demo).

Its form produces a signed webhook that goes through the same intake as any provider's call.
"""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request

from app.core.extensions import db
from app.core.money import format_money
from delivery.intake import accept_webhook
from payments.base import InvalidSignature
from payments.registry import provider as find_provider

bp = Blueprint("sandbox", __name__, url_prefix="/sandbox")


@bp.route("/pay", methods=["GET", "POST"])
def pay():
    sandbox = find_provider("sandbox")
    if sandbox is None:
        abort(404)
    token = request.values.get("s", "")
    try:
        session = sandbox.load_session(token)
    except InvalidSignature:
        abort(404)
    if request.method == "GET":
        return render_template(
            "sandbox_pay.html",
            session=session,
            token=token,
            amount=format_money(session["amount"], session["currency"]),
        )
    outcome = request.form.get("outcome")
    if outcome not in ("paid", "failed"):
        abort(400, "outcome must be paid or failed")
    headers, body = sandbox.signed_event(session, outcome)
    answer = accept_webhook(db.session, sandbox, headers, body, {})
    if answer.status >= 400:
        abort(answer.status, answer.body)
    return redirect(session["return"], code=303)
