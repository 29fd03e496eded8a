"""Staff order pages: the payment timeline, refunds (asked for once, whatever the clicks), providers."""

from __future__ import annotations

import secrets

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext
from sqlalchemy import select

from app.core.db import utcnow
from app.core.extensions import db
from app.core.models import Order
from app.core.money import to_minor
from app.core.order_search import OrderFilter, order_page, orders_csv
from app.core.order_states import ORDER_STATUSES
from app.web.admin import bp, owner_required, staff_required
from app.web.admin.exports import audited_csv
from delivery.jobs import refund_went_through
from delivery.mail.log import MailLog
from delivery.queues import enqueue_fulfilment, enqueue_refund
from delivery.reconciliation import check_order_now
from keystore.reveals import reveals_of
from payments import manual, refunds, review
from payments.disputes import disputes_of
from payments.models import Payment, PaymentCheck
from payments.outstanding import flagged_payments, is_stuck, refunds_to_see
from payments.timeline import payment_timeline


@bp.get("/orders")
@staff_required
def order_list():
    wanted = OrderFilter(request.args.get("q", ""), request.args.get("status", ""))
    rows, pages = order_page(db.session, wanted, request.args.get("page", 1, type=int))
    return render_template(
        "admin/orders.html",
        orders=rows,
        pages=pages,
        wanted=wanted,
        states=ORDER_STATUSES,
        page=min(max(1, request.args.get("page", 1, type=int)), pages),
        stuck_refunds=refunds_to_see(db.session, utcnow()),
        flagged=flagged_payments(db.session),
    )


@bp.get("/orders.csv")
@owner_required
def orders_export():
    body = orders_csv(db.session, OrderFilter(request.args.get("q", ""), request.args.get("status", "")))
    return audited_csv(body, "orders.csv", "shop.orders.exported")


@bp.get("/orders/<number>")
@staff_required
def order(number: str):
    item = db.session.scalar(select(Order).where(Order.number == number)) or abort(404)
    payments = db.session.scalars(select(Payment).where(Payment.order_id == item.id)).all()
    checks = db.session.scalars(select(PaymentCheck).where(PaymentCheck.order_id == item.id)).all()
    mails = db.session.scalars(select(MailLog).where(MailLog.order_id == item.id).order_by(MailLog.id)).all()
    order_refunds = refunds.refunds_of(db.session, item.id)
    return render_template(
        "admin/order.html",
        order=item,
        payments=payments,
        checks=checks,
        mails=mails,
        refunds=order_refunds,
        stuck={r.id for r in order_refunds if is_stuck(db.session, r, utcnow())},
        timeline=payment_timeline(db.session, item.id),
        refund_key=secrets.token_hex(16),
        reveals=reveals_of(db.session, item.id),
        disputes=disputes_of(db.session, item.id),
    )


@bp.post("/orders/<number>/refunds")
@staff_required
def refund(number: str):
    order_id, currency = db.session.execute(
        select(Order.id, Order.currency).where(Order.number == number)
    ).first() or abort(404)
    db.session.rollback()
    try:
        amount = to_minor(request.form.get("amount", ""), currency)
        refund_id, created = refunds.request_refund(
            db.session, g.actor, order_id, amount, key=_refund_key(), reason=request.form.get("reason", "").strip()
        )
    except (ValueError, refunds.RefundError) as exc:
        flash(gettext("Refund not made: %(why)s", why=exc))
        return redirect(url_for("admin.order", number=number))
    if created:
        enqueue_refund(refund_id)
    flash(_refund_asked(refund_id, created))
    return redirect(url_for("admin.order", number=number))


@bp.post("/orders/<number>/confirm-payment")
@staff_required
def confirm_payment(number: str):
    try:
        result = manual.confirm_payment(db.session, g.actor, number, request.form.get("reference", "").strip())
    except ValueError as exc:
        abort(404, str(exc))
    enqueue_fulfilment(result.paid_order_ids)
    flash(
        "; ".join(result.problems)
        or (
            gettext("Payment confirmed; delivering")
            if result.paid_order_ids
            else gettext("This payment was already confirmed")
        )
    )
    return redirect(url_for("admin.order", number=number))


@bp.post("/orders/<number>/check-provider")
@staff_required
def check_provider(number: str):
    """Ask the provider now about each checkout of the order; a payment found is delivered."""
    outcomes = check_order_now(db.session, g.actor, number)
    if outcomes is None:
        abort(404)
    said = [f"{o.provider}: {o.state}" + (f" ({o.detail})" if o.detail else "") for o in outcomes]
    problems = [problem for o in outcomes for problem in o.problems]
    flash("; ".join(said + problems) or gettext("No checkout that a provider can be asked about."))
    return redirect(url_for("admin.order", number=number))


@bp.post("/refunds/<int:refund_id>/<any(retry, resend, settle):action>")
@staff_required
def refund_action(refund_id: int, action: str):
    """retry: a failed refund; resend: a requested one whose job was lost; settle: paid back by hand."""
    try:
        if action in ("retry", "resend") and _send_again(refund_id, action):
            enqueue_refund(refund_id)
        elif action == "settle":
            note = request.form.get("note", "").strip() or "settled"
            if refunds.settle_manually(db.session, g.actor, refund_id, note) == "manual":
                refund_went_through(refund_id)
    except refunds.RefundError as exc:
        flash(gettext("Refund %(id)s not sent again: %(why)s", id=refund_id, why=exc))
    return redirect(request.referrer or url_for("admin.dashboard"))


def _send_again(refund_id: int, action: str) -> bool:
    return (refunds.retry if action == "retry" else refunds.resend)(db.session, g.actor, refund_id)


@bp.post("/orders/<number>/accept")
@staff_required
def accept_payment(number: str):
    """A reviewed order's flagged payment accepted: the order is paid and delivered."""
    try:
        order_id = review.accept(db.session, g.actor, number)
    except review.ReviewError as exc:
        flash(gettext("Not accepted: %(why)s", why=exc))
        return redirect(url_for("admin.order", number=number))
    if order_id is not None:
        enqueue_fulfilment([order_id])
    flash(
        gettext("Payment accepted; delivering")
        if order_id
        else gettext("Nothing to accept: this order was decided already")
    )
    return redirect(url_for("admin.order", number=number))


@bp.post("/payments/<int:payment_id>/refund")
@staff_required
def refund_received(payment_id: int):
    """Refund what came: the whole of a flagged payment, in its currency."""
    try:
        refund_id, created = review.refund_received(db.session, g.actor, payment_id)
    except (review.ReviewError, refunds.RefundError) as exc:
        flash(gettext("Refund not made: %(why)s", why=exc))
        return redirect(request.referrer or url_for("admin.order_list"))
    if created:
        enqueue_refund(refund_id)
    flash(_refund_asked(refund_id, created))
    return redirect(request.referrer or url_for("admin.order_list"))


@bp.get("/payments")
@staff_required
def payment_providers():
    adapters = current_app.extensions["keyshop.providers"].values()
    return render_template("admin/providers.html", adapters=adapters, base_url=current_app.config["KEYSHOP"].base_url)


def _refund_key() -> str:
    """The form's own key: a double click or a resent form asks for the same refund."""
    key = request.form.get("key", "")
    if not (16 <= len(key) <= 64 and key.isalnum()):
        abort(400, gettext("the refund form has no valid key; reload the page"))
    return f"admin-{key}"


def _refund_asked(refund_id: int, created: bool) -> str:
    if created:
        return gettext("Refund %(id)s on its way", id=refund_id)
    return gettext("Refund %(id)s was already asked for", id=refund_id)
