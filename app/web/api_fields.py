"""What the token API's views share: a refusal that names its field, the query values they read,
and the shapes of an order and a refund as scripts see them (never a token, never a code)."""

from __future__ import annotations

from flask import jsonify, request

from app.core.models import Order
from payments.models import Refund

MAX_PAGE = 1_000_000  # past any shop's orders; keeps OFFSET a number the database takes


class FieldError(ValueError):
    """A value of the request is wrong: answered 422 with the field's name, before anything changes."""

    def __init__(self, field: str, message: str, status: int = 422):
        super().__init__(message)
        self.field, self.status = field, status


def refused(exc: FieldError):
    return jsonify(error={"field": exc.field, "message": str(exc)}), exc.status


def whole_arg(name: str, default: int, most: int) -> int:
    """A query value that must be a whole number from 1 to `most` (type=int would drop a bad one)."""
    raw = request.args.get(name)
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdecimal() and len(raw) <= 9 and 1 <= int(raw) <= most):
        raise FieldError(name, f"must be a whole number from 1 to {most}")
    return int(raw)


def text_arg(name: str, longest: int, choices: tuple[str, ...] = ()) -> str:
    raw = request.args.get(name, "")
    if len(raw) > longest:
        raise FieldError(name, f"at most {longest} characters")
    if raw and choices and raw not in choices:
        raise FieldError(name, f"one of {', '.join(choices)}")
    return raw


def order_json(order: Order) -> dict:
    return {
        "number": order.number,
        "status": order.status,
        "product": order.product.slug,
        "quantity": order.quantity,
        "amount_minor": order.amount_minor,
        "currency": order.currency,
        "email": order.email,
        "method": order.method,
        "created_at": _iso(order.created_at),
        "paid_at": _iso(order.paid_at),
        "delivered_at": _iso(order.delivered_at),
    }


def refund_json(refund: Refund, number: str) -> dict:
    return {
        "id": refund.id,
        "order": number,
        "amount_minor": refund.amount_minor,
        "currency": refund.currency,
        "status": refund.status,
        "reason": refund.reason,
        "error": refund.error,
        "created_at": _iso(refund.created_at),
        "settled_at": _iso(refund.settled_at),
    }


def _iso(moment) -> str | None:
    return moment.isoformat() if moment else None
