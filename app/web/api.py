"""The JSON API for headless shops and bots."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from app.core.extensions import db
from app.core.languages import language_of
from app.core.rate_limit import CHECKOUTS_PER_HOUR, allow, client_address
from app.web.catalog import product_cards
from app.web.shared import order_for_token, settings
from keystore.reveals import REVEALS_PER_HOUR, RevealRefused, reveal_codes
from keystore.stock import available_count
from payments.checkout import CheckoutChoice, CheckoutError, place_order
from payments.registry import providers

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.get("/products")
def list_products():
    return jsonify(products=[card.as_json() for card in product_cards(db.session)])


@bp.post("/orders")
def create_order():
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return _error(400, "body", "expected a JSON object")
    if not allow("checkout", f"ip:{client_address()}", CHECKOUTS_PER_HOUR, 3600):
        return _error(429, "rate", "too many orders from this address; try again later")
    try:
        choice = CheckoutChoice(
            str(data.get("product", "")),
            data.get("quantity", 1),
            data.get("email", ""),
            str(data.get("method", "")),
            language_of(str(data.get("locale") or request.accept_languages.best or "")),
            client_address(),
        )
        placed = place_order(db.session, choice, providers(), settings().base_url, available_count)
    except CheckoutError as exc:
        return _error(exc.status, exc.field, str(exc))
    body = {
        "token": placed.token,
        "number": placed.number,
        "status": placed.status,
        "url": f"{settings().base_url}/o/{placed.token}",
        "payment": {"provider": placed.provider, "url": placed.payment.redirect_url},
    }
    return jsonify(body), 201


@bp.get("/orders/<token>")
def get_order(token: str):
    order = order_for_token(token)
    if order is None:
        return _error(404, "token", "no such order")
    body = {
        "number": order.number,
        "status": order.status,
        "product": order.product_slug,
        "quantity": order.quantity,
        "amount_minor": order.amount_minor,
        "currency": order.currency,
    }
    if order.status == "delivered":
        body["codes"] = order.codes  # working ones: a code under review is listed apart
        body["codes_under_review"] = [line.text for line in order.code_lines if line.under_review]
    if order.codes_on_request:
        body |= _on_request(order, token)
    if order.refunds:
        body["refunds"] = [refund.as_json() for refund in order.refunds]
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/orders/<token>/reveal")
def reveal_order_codes(token: str):
    """The API's "show my codes": recorded as the page's button is, then the order as GET gives it."""
    order = order_for_token(token)
    if order is None:
        return _error(404, "token", "no such order")
    db.session.rollback()  # the view is read; the reveal is a write of its own
    if not allow("reveal", f"order:{order.order_id}", REVEALS_PER_HOUR, 3600):
        return _error(429, "rate", "too many reveals of this order; try again later")
    try:
        reveal_codes(db.session, order.order_id, client_address(), request.headers.get("User-Agent", ""))
    except RevealRefused:
        return _error(409, "token", "this order has no codes waiting to be shown")
    return get_order(token)


def _on_request(order, token: str) -> dict:
    """Codes held back until the buyer asks: listed in "codes" once revealed, never before."""
    return {
        "codes_on_request": True,
        "codes_to_reveal": order.codes_to_reveal,
        "reveal": {"method": "POST", "url": f"{settings().base_url}/api/v1/orders/{token}/reveal"},
        "reveals": [{"at": r.revealed_at.isoformat() + "Z", "address": r.address} for r in order.reveals],
    }


def _error(status: int, field: str, message: str):
    return jsonify(error={"field": field, "message": message}), status
