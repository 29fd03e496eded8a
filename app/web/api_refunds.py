"""Refunds for the merchant's scripts ("refunds" scope): asked for through the same core function
staff use (payments.refunds.request_refund), under the script's idempotency key, so a request sent
twice refunds once; the script acts as an agent, within the agents' refund limit."""

from __future__ import annotations

import re

from flask import Blueprint, abort, g, jsonify, request
from sqlalchemy import select

from app.core.audit import Actor
from app.core.extensions import db
from app.core.models import Order
from app.web.api_fields import FieldError, refund_json, refused
from app.web.api_stock import scope_required
from delivery.queues import enqueue_refund
from payments.models import Refund
from payments.refunds import RefundError, request_refund

bp = Blueprint("api_refunds", __name__, url_prefix="/api/v1/merchant")
bp.register_error_handler(FieldError, refused)
KEY = re.compile(r"[A-Za-z0-9._:-]{8,60}")  # stored as "api:" + key, in a 64-character column
LONGEST_REASON = 500


@bp.post("/orders/<number>/refunds")
@scope_required("refunds")
def ask_for_refund(number: str):
    """{amount_minor, idempotency_key, reason?}: 201 with the refund, or 200 with the one that key asked for."""
    amount, key, reason = _refund_fields(request.get_json(silent=True))
    order_id = db.session.scalar(select(Order.id).where(Order.number == number)) or abort(404, "no such order")
    db.session.rollback()  # the read is done; the refund is a write transaction of its own
    try:
        refund_id, created = request_refund(
            db.session, Actor(g.api_actor, "agent"), order_id, amount, key=key, reason=reason
        )
    except RefundError as exc:
        raise FieldError(_field_of(str(exc)), str(exc)) from None
    refund = db.session.get(Refund, refund_id)
    if (refund.order_id, refund.amount_minor) != (order_id, amount):
        raise FieldError("idempotency_key", "already used for another refund (another order or amount)", 409)
    if created:
        enqueue_refund(refund_id)  # request_refund has committed
    return jsonify(refund_json(refund, number)), 201 if created else 200


@bp.get("/refunds/<int:refund_id>")
@scope_required("refunds")
def refund_status(refund_id: int):
    found = db.session.execute(
        select(Refund, Order.number).join(Order, Order.id == Refund.order_id).where(Refund.id == refund_id)
    ).first() or abort(404, "no such refund")
    return jsonify(refund_json(*found))


def _refund_fields(data) -> tuple[int, str, str]:
    """Checked before anything is read or written, each refusal naming its field."""
    if not isinstance(data, dict):
        raise FieldError("body", "expected a JSON object", 400)
    amount, key, reason = data.get("amount_minor"), data.get("idempotency_key"), data.get("reason", "")
    if type(amount) is not int or amount < 1:  # bool is an int too
        raise FieldError("amount_minor", "must be a whole number of minor units, at least 1")
    if not isinstance(key, str) or not KEY.fullmatch(key):
        raise FieldError("idempotency_key", "8 to 60 letters, digits or . _ : - chosen by the script, one per refund")
    if not isinstance(reason, str) or len(reason) > LONGEST_REASON:
        raise FieldError("reason", f"text of at most {LONGEST_REASON} characters")
    return amount, "api:" + key, reason.strip()


def _field_of(message: str) -> str:
    """RefundError messages start with their field: "amount: …" is the request's amount_minor."""
    field = message.split(":", 1)[0]
    return "amount_minor" if field == "amount" else field
