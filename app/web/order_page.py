"""The buyer's page for one order: its codes (decrypted for this request), reports, review, refunds,
mail state and timeline. Not cached: each of those changes in a room of its own (payments,
delivery, after-sale, support), and the page is read afresh on every request.

What it costs is kept small instead: one statement finds the order, one tells which of its parts
exist (and the page version), and only those that exist are read. The product's help articles and
the shop's profile change only with the page version (app.core.page_version), so they are read once
per version and process.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import abort, make_response, render_template
from sqlalchemy import text

from app.core.extensions import db
from app.core.i18n import current_language
from app.core.page_version import CURRENT
from app.core.shop_profile import known_page_version
from app.web.help import fallback_language
from app.web.page_cache import per_version
from app.web.shared import keyring, offered_methods
from delivery.order_view import find_order, view_of
from feedback.help.reading import for_product
from feedback.models import REPORT_REASONS
from feedback.reports import reports_of_order
from feedback.review_appeals import appeal_of
from feedback.reviews import review_of_order
from payments.registry import providers
from payments.resume import PAYABLE

# Which parts of the order exist, and the page version: one round trip for what is mostly nothing.
PARTS = text(
    f"SELECT {CURRENT}, "
    "EXISTS (SELECT 1 FROM mail_log WHERE order_id = :order AND status = 'sent'), "
    "EXISTS (SELECT 1 FROM refunds WHERE order_id = :order), "
    "EXISTS (SELECT 1 FROM code_reports WHERE order_id = :order), "
    "EXISTS (SELECT 1 FROM reviews WHERE order_id = :order)"
)


@dataclass(frozen=True)
class OrderParts:
    version: int
    mailed: bool
    refunds: bool
    reports: bool
    review: bool


def order_parts(order_id: int) -> OrderParts:
    version, *present = db.session.execute(PARTS, {"order": order_id}).one()
    return OrderParts(version, *(bool(value) for value in present))


def order_page_response(token: str, error: str = "", status: int = 200):
    """The page for the order this token opens (404 for any other token), with `error` above it."""
    found = find_order(db.session, token)
    if found is None:
        abort(404)
    parts = order_parts(found.id)
    known_page_version(parts.version)  # the base template's shop profile, once per version
    order = view_of(db.session, keyring(), found, with_refunds=parts.refunds)
    reports = reports_of_order(db.session, order.order_id) if parts.reports else {}
    review = review_of_order(db.session, order.order_id) if parts.review else None
    payable = order.status in PAYABLE
    page = render_template(
        "order.html",
        order=order,
        token=token,
        instructions=getattr(providers().get(order.method), "instructions", "") if payable else "",
        methods=offered_methods() if payable else [],
        mailed=parts.mailed,
        error=error,
        reasons=REPORT_REASONS,
        reports=reports,
        review=review,
        appeal=appeal_of(db.session, review.id) if review and review.hidden else None,
        timeline=order_timeline(order, reports),
        help_articles=_help_of(found.product_id, parts.version),
    )
    response = make_response(page, status)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _help_of(product_id: int, version: int) -> list:
    """The product's help articles in the reader's language, read once per page version and process."""
    known = per_version("order_help", version, dict)
    key = (product_id, current_language())
    if key not in known:
        known[key] = for_product(db.session, product_id, key[1], fallback_language())
    return known[key]


def order_timeline(order, reports) -> list[tuple[str, datetime]]:
    """What happened to the order, oldest first: created, paid, delivered, each report and its outcome, refunds."""
    events = [("created", order.created_at), ("paid", order.paid_at), ("delivered", order.delivered_at)]
    for report in reports.values():
        events += [("reported", report.created_at), (report.status, report.resolved_at)]
    events += [("refunded", refund.settled_at) for refund in order.refunds if refund.status in ("succeeded", "manual")]
    return sorted(((name, at) for name, at in events if at is not None), key=lambda event: event[1])
