"""The token API for the merchant's own scripts: orders (a page of them, filtered or searched by
number or email; one by its number) and products with their stock. Codes only with the "codes"
scope, each read audited as a reveal is."""

from __future__ import annotations

from flask import Blueprint, abort, g, jsonify
from sqlalchemy import select

from app.core.audit import audit
from app.core.db import write_transaction
from app.core.extensions import db
from app.core.models import Order, Product
from app.core.order_search import OrderFilter, order_page
from app.core.order_states import ORDER_STATUSES
from app.web.api_fields import MAX_PAGE, FieldError, order_json, refund_json, refused, text_arg, whole_arg
from app.web.api_stock import scope_required
from app.web.shared import keyring
from delivery.order_view import view_of
from keystore.stock import stock_by_product
from payments.refunds import refunds_of

bp = Blueprint("api_merchant", __name__, url_prefix="/api/v1/merchant")
bp.register_error_handler(FieldError, refused)
PAGE_SIZE, MOST_PER_PAGE = 50, 200


@bp.get("/orders")
@scope_required("orders")
def list_orders():
    """Newest first; ?q= searches number and email, ?status= and ?product= filter, ?page=, ?per_page=."""
    wanted = OrderFilter(text_arg("q", 254), text_arg("status", 32, ORDER_STATUSES), text_arg("product", 100))
    page, size = whole_arg("page", 1, MAX_PAGE), whole_arg("per_page", PAGE_SIZE, MOST_PER_PAGE)
    rows, pages = order_page(db.session, wanted, page, size)
    return jsonify(orders=[order_json(order) for order in rows], page=min(page, pages), pages=pages)


@bp.get("/orders/<number>")
@scope_required("orders")
def one_order(number: str):
    order = db.session.scalar(select(Order).where(Order.number == number)) or abort(404, "no order has this number")
    body = order_json(order)
    body["refunds"] = [refund_json(refund, order.number) for refund in refunds_of(db.session, order.id)]
    if "codes" in g.api_scopes and order.status == "delivered":
        body["codes"] = _codes_read(order.id, order.number)
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response


def _codes_read(order_id: int, number: str) -> list[str]:
    """Recorded before they are decrypted, as an owner's reveal is."""
    db.session.rollback()  # the reads are done; the record is a write transaction of its own
    with write_transaction(db.session):
        audit(db.session, g.api_actor, "api.order.codes_read", f"order:{number}")
    return view_of(db.session, keyring(), db.session.get(Order, order_id), with_refunds=False, every_code=True).codes


@bp.get("/products")
@scope_required("stock")
def list_products():
    """Every product, on sale or not, with its codes counted by state."""
    counts = {row.id: row.counts for row in stock_by_product(db.session)}
    products = db.session.scalars(select(Product).order_by(Product.slug))
    return jsonify(products=[_product_json(product, counts.get(product.id, {})) for product in products])


def _product_json(product: Product, counts: dict) -> dict:
    return {
        "slug": product.slug,
        "name": product.name,
        "active": product.active,
        "price_minor": product.price_minor,
        "currency": product.currency,
        "stock": counts,
    }
