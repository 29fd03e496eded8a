"""The buyer's pages: catalog, product, checkout, and the order page."""
from __future__ import annotations

from flask import Blueprint, abort, make_response, redirect, render_template, request

from app.extensions import db
from app.money import format_money
from app.web.catalog import product_cards
from app.web.shared import offered_methods, order_for_token, settings
from delivery.mail_text import language_of
from feedback.models import REPORT_REASONS
from feedback.reports import reports_of_order
from feedback.reviews import product_reviews, review_of_order
from payments.checkout import CheckoutChoice, CheckoutError, place_order
from payments.registry import providers

bp = Blueprint("storefront", __name__)


@bp.get("/")
def catalog():
    return render_template("catalog.html", products=product_cards(db.session))


@bp.get("/p/<slug>")
def product(slug: str):
    return _product_page(slug)


def _product_page(slug: str, error: str = "", form=None, status: int = 200):
    cards = product_cards(db.session, slug)
    if not cards:
        abort(404)
    rating, reviews = product_reviews(db.session, cards[0].id)
    page = render_template("product.html", product=cards[0], methods=offered_methods(), error=error,
                           form=form or {}, rating=rating, reviews=reviews)
    return page, status


@bp.post("/checkout")
def checkout():
    form = request.form
    slug = form.get("product", "")
    try:
        choice = CheckoutChoice(slug, _quantity(form.get("quantity", "1")), form.get("email", "").strip(),
                                form.get("method", ""), language_of(request.accept_languages.best))
        placed = place_order(db.session, choice, providers(), settings().base_url)
    except CheckoutError as exc:
        return _product_page(slug, error=str(exc), form=form, status=400)
    return redirect(placed.payment.redirect_url, code=303)


@bp.get("/o/<token>")
def order_page(token: str):
    order = order_for_token(token)
    if order is None:
        abort(404)
    adapter = providers().get(order.method)
    instructions = getattr(adapter, "instructions", "") if order.status == "pending" else ""
    response = make_response(render_template(
        "order.html", order=order, token=token, instructions=instructions,
        amount=format_money(order.amount_minor, order.currency), reasons=REPORT_REASONS,
        reports=reports_of_order(db.session, order.order_id), review=review_of_order(db.session, order.order_id)))
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _quantity(raw: str) -> int:
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise CheckoutError("quantity", f"{raw!r} is not a whole number") from None
