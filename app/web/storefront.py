"""The buyer's pages: catalog, product, checkout, and the order page."""

from __future__ import annotations

from functools import lru_cache

from flask import Blueprint, abort, current_app, redirect, render_template, request, send_from_directory
from markupsafe import Markup

from app.core.extensions import db
from app.core.i18n import current_language, translated_error
from app.core.rate_limit import CHECKOUTS_PER_HOUR, allow, client_address
from app.core.shop_settings import setting
from app.web.catalog import categories, product_cards
from app.web.csrf import check_csrf
from app.web.help import product_help
from app.web.order_page import order_page_response
from app.web.page_cache import cached_page, per_version
from app.web.paying_browser import remember_paying
from app.web.shared import offered_methods, order_for_token, settings
from app.web.stock_now import catalog_stock, product_stock
from app.web.visitor import visitor_id
from feedback.help.markdown import render as render_markdown
from feedback.help.notices import product_viewed
from feedback.reviews import product_reviews
from keystore.stock import available_count
from payments.checkout import CheckoutChoice, CheckoutError, place_order
from payments.registry import providers
from payments.resume import resume_payment

bp = Blueprint("storefront", __name__)
bp.before_request(check_csrf)
# A description changes seldom and is read on every view of its page: rendered once per process.
described = lru_cache(maxsize=512)(render_markdown)


@bp.get("/")
def catalog():
    category, words = request.args.get("category", ""), request.args.get("q", "")
    stock = catalog_stock(db.session)
    return cached_page(
        stock.key,
        lambda: render_template(
            "catalog.html",
            products=product_cards(db.session, category=category, words=words, available=stock.available),
            categories=categories(db.session),
            category=category,
            words=words,
        ),
    )


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for it at the root whatever the page links: one answer, cached for a day."""
    return send_from_directory(
        current_app.static_folder, "favicon.ico", mimetype="image/vnd.microsoft.icon", max_age=86400
    )


@bp.get("/p/<slug>")
def product(slug: str):
    stock = product_stock(db.session, slug)
    if stock is None:
        abort(404)
    page = cached_page(stock.key, lambda: _product_body(slug, stock.available))
    if per_version("counts_views", stock.version, _counts_views):
        _viewed(stock.product_id)
    return page


def _product_page(slug: str, error: str = "", form=None, status: int = 200):
    """The page with what the buyer sent and what was wrong with it: their own, never cached."""
    page = _product_body(slug, None, error, form)
    _viewed(product_cards(db.session, slug)[0].id)
    return page, status


def _product_body(slug: str, available: dict | None, error: str = "", form=None) -> str:
    cards = product_cards(db.session, slug, available=available)
    if not cards:
        abort(404)
    rating, reviews = product_reviews(db.session, cards[0].id)
    return render_template(
        "product.html",
        product=cards[0],
        description=Markup(described(cards[0].description)),
        methods=offered_methods(),
        error=error,
        form=form or {},
        rating=rating,
        reviews=reviews,
        help_articles=product_help(cards[0].id),
    )


def _counts_views() -> bool:
    """Whether product_viewed has anything to do: the shop offers help after repeated views (off by
    default). A shop setting, so it changes only with the page version."""
    threshold = int(setting(db.session, "notice_repeat_views") or 0)
    db.session.rollback()
    return threshold > 0


def _viewed(product_id: int) -> None:
    product_viewed(db.session, current_app.extensions["keyshop.redis"], visitor_id(), product_id, current_language())


@bp.post("/checkout")
def checkout():
    form = request.form
    slug = form.get("product", "")
    try:
        if not allow("checkout", f"ip:{client_address()}", CHECKOUTS_PER_HOUR, 3600):
            abort(429)
        choice = CheckoutChoice(
            slug,
            _quantity(form.get("quantity", "1")),
            form.get("email", "").strip(),
            form.get("method", ""),
            current_language(),
            client_address(),
        )
        placed = place_order(db.session, choice, providers(), settings().base_url, available_count)
    except CheckoutError as exc:
        status = 400 if exc.status == 422 else exc.status  # 503: the provider, not the buyer, failed
        return _product_page(slug, error=translated_error(exc), form=form, status=status)
    return remember_paying(redirect(placed.payment.redirect_url, code=303), placed.number)


@bp.get("/o/<token>")
def order_page(token: str):
    return order_page_response(token)


@bp.post("/o/<token>/pay")
def pay_order(token: str):
    """An unpaid or declined order, paid after all: by the same way of paying or another."""
    order = order_for_token(token)
    if order is None:
        abort(404)
    method = request.form.get("method", order.method)
    db.session.rollback()  # the read is done; continuing to payment is a write of its own
    try:
        start = resume_payment(db.session, order.order_id, token, method, providers(), settings().base_url)
    except CheckoutError as exc:
        return order_page_response(token, error=translated_error(exc), status=400 if exc.status == 422 else exc.status)
    return remember_paying(redirect(start.redirect_url, code=303), order.number)


def _quantity(raw: str) -> int:
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise CheckoutError("quantity", "%(raw)r is not a whole number", raw=raw) from None
