"""The buyer's after-sale forms on the order page (report a code, rate the order) and the trust page."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext

from app.core.errors import BuyerError
from app.core.extensions import db
from app.core.i18n import translated_error
from app.core.rate_limit import allow, client_address
from app.web.csrf import check_csrf
from app.web.numbers import column_int
from app.web.shared import order_for_token
from app.web.storefront import order_page
from feedback.reports import report_code
from feedback.review_appeals import appeal_review
from feedback.reviews import write_review
from feedback.trust import trust_figures
from keystore.reveals import REVEALS_PER_HOUR, RevealRefused, reveal_codes

bp = Blueprint("aftersale", __name__)
bp.before_request(check_csrf)

LIMITS = {
    "report": (10, 3600),
    "review": (10, 3600),
    "reveal": (REVEALS_PER_HOUR, 3600),
}  # per order; tenfold per address


@bp.post("/o/<token>/report")
def report(token: str):
    order = _order_or_404(token)
    _limit("report", order.order_id)
    try:
        report_code(
            db.session,
            order.order_id,
            _int(request.form.get("code")),
            request.form.get("reason", ""),
            request.form.get("text", ""),
        )
    except BuyerError as exc:  # ReportError, or the text's own (TextError)
        return _back(token, translated_error(exc), 400)
    return _back(
        token, gettext("Thank you. The code is out of use; a replacement or an answer follows here and by mail.")
    )


@bp.post("/o/<token>/review")
def review(token: str):
    order = _order_or_404(token)
    _limit("review", order.order_id)
    try:
        write_review(db.session, order.order_id, request.form.get("stars"), request.form.get("text", ""))
    except BuyerError as exc:
        return _back(token, translated_error(exc), 400)
    return _back(token, gettext("Thank you for your review."))


@bp.post("/o/<token>/review/appeal")
def appeal(token: str):
    """The author of a hidden review asks, once, for it to be shown again."""
    order = _order_or_404(token)
    _limit("review", order.order_id)
    try:
        appeal_review(db.session, order.order_id, request.form.get("text", ""))
    except BuyerError as exc:
        return _back(token, translated_error(exc), 400)
    return _back(token, gettext("Your appeal is sent. The shop's staff decide, and this page shows their answer."))


@bp.post("/o/<token>/reveal")
def reveal(token: str):
    """The buyer presses "show": recorded (address, browser) before the page shows the codes."""
    order = _order_or_404(token)
    _limit("reveal", order.order_id)
    try:
        reveal_codes(db.session, order.order_id, client_address(), request.headers.get("User-Agent", ""))
    except RevealRefused:
        return _back(token, gettext("This order has no codes waiting to be shown."), 409)
    return redirect(url_for("storefront.order_page", token=token, _anchor="codes"), code=303)


@bp.get("/trust")
def trust():
    products, shop = trust_figures(db.session)
    return render_template("trust.html", products=products, shop=shop)


def _order_or_404(token: str):
    order = order_for_token(token)
    if order is None:
        abort(404)
    db.session.rollback()  # the view is read; the service starts its own write
    return order


def _limit(name: str, order_id: int) -> None:
    limit, seconds = LIMITS[name]
    if not (
        allow(name, f"order:{order_id}", limit, seconds) and allow(name, f"ip:{client_address()}", limit * 10, seconds)
    ):
        abort(429)


def _back(token: str, message: str, status: int = 303):
    """A rejected form says why on the order page; it is shown, not redirected, so the status is 400."""
    flash(message)
    if status == 303:
        return redirect(url_for("storefront.order_page", token=token), code=303)
    response = order_page(token)
    response.status_code = status
    return response


def _int(raw) -> int:
    """0, no row's id, for anything but a number a column holds: the service then names the field."""
    return column_int(raw or "") or 0
