"""RQ entry points. They take ids, run inside an app context (see delivery.worker), and are idempotent."""

from __future__ import annotations

import logging

from flask import current_app
from sqlalchemy import select

from app.core.db import write_transaction
from app.core.extensions import db
from app.core.models import Order
from delivery.chat.send import send_channel
from delivery.fulfil import Fulfilment, run_fulfilment
from delivery.mail.composers import MailContext
from delivery.mail.drain import drain, send_owed
from delivery.mail.log import OwedMail, order_mail_key
from delivery.mail.pace import mail_now, schedule_drain
from delivery.metrics import observe_delivery
from delivery.notifications.tell import tell
from delivery.queues import enqueue_seller_request

log = logging.getLogger(__name__)


def fulfil_order(order_id: int) -> str:
    """The buyer's mail goes out from the delivering job itself, through the drain's loop (a second
    RQ job per order costs more than the delivery), unless other buyers are waiting for their codes
    or sending is paused: then the delivery records it as owed and the one drain job on the notify
    queue, which workers take after the delivery queue, sends it (see delivery.mail.pace)."""
    try:
        delivery = run_fulfilment(db.session, order_id, mail_now=mail_now())
    except Exception as exc:
        tell_failed_delivery(order_id, exc)
        raise
    if delivery.outcome == "ask_seller":
        enqueue_seller_request(order_id)
        return delivery.outcome
    return after_delivery(order_id, delivery)


def deliver_from_seller(order_id: int) -> str:
    """A dynamic product's paid order: its codes asked of the seller's URL (delivery.dynamic.sale).
    Enqueued by fulfil_order with SELLER_RETRY: an unreachable seller raises until the last try."""
    from rq import get_current_job

    from delivery.dynamic.sale import deliver_from_seller as deliver
    from delivery.dynamic.seller import SellerUnavailable

    job = get_current_job()
    last_try = job is None or not job.retries_left
    try:
        delivery = deliver(db.session, current_app.extensions["keyshop.keyring"], order_id, mail_now(), last_try)
    except SellerUnavailable:
        raise
    except Exception as exc:
        tell_failed_delivery(order_id, exc)
        raise
    return after_delivery(order_id, delivery)


def after_delivery(order_id: int, delivery: Fulfilment) -> str:
    """What follows a delivering transaction's commit: the metric, the buyer's mail, the drain."""
    if delivery.seconds_since_paid is not None:
        observe_delivery(current_app.extensions["keyshop.redis"], delivery.seconds_since_paid)
    if delivery.mail == "claimed":
        own = OwedMail(order_mail_key(order_id, delivery.outcome), delivery.outcome, order_id, number=delivery.number)
        send_owed(mail_context(), [own])
    if delivery.mail == "owed" or delivery.low_stock_alert is not None or delivery.outcome == "awaiting_stock":
        schedule_drain()  # the buyer's mail, or the staff's (low stock, an order waiting for stock)
    return delivery.outcome


def tell_failed_delivery(order_id: int, exc: Exception) -> None:
    """The staff hear of a delivery that raised, once per order, in a transaction of its own; if even
    that fails (the database is down), the job's own error is what RQ records."""
    db.session.rollback()
    try:
        with write_transaction(db.session):
            number = db.session.scalar(select(Order.number).where(Order.id == order_id))
            told = tell(db.session, "delivery.failed", str(order_id), number=number, error=type(exc).__name__)
    except Exception as failure:
        log.warning("a failed delivery could not be told (%s)", type(failure).__name__)
        return
    if told:
        schedule_drain()


def send_owed_mail() -> int:
    """The drain: a batch of the owed mail, oldest first (see delivery.mail.drain)."""
    return drain(mail_context())


def send_chat(channel_id: int) -> str:
    """A chat channel's owed events, as one message (see delivery.chat.send)."""
    return send_channel(db.session, current_app.extensions["keyshop.keyring"], channel_id)


def send_webhooks(endpoint_id: int) -> str:
    """A webhook endpoint's owed messages, in order (see delivery.webhooks.send)."""
    from delivery.webhooks.send import send_endpoint

    return send_endpoint(db.session, current_app.extensions["keyshop.keyring"], endpoint_id)


def mail_context() -> MailContext:
    return MailContext(db.session, current_app.config["KEYSHOP"], current_app.extensions["keyshop.keyring"])


def import_batch(import_id: int) -> str:
    """A large upload recorded as an `imports` row, imported by a worker; progress, the result or
    the reason it failed go on the row (see delivery.import_runs)."""
    from delivery.import_runs import run_import

    return run_import(db.session, current_app.extensions["keyshop.keyring"], import_id)


def refund_payment(refund_id: int) -> str:
    """Carry out a recorded refund. The provider unreachable: RQ retries; after the last try the
    refund is failed, visible to staff, who retry it or settle it by hand."""
    from rq import get_current_job

    from delivery.queues import renew_refund_lease
    from payments.base import ProviderUnavailable
    from payments.refunds import carry_out, settle

    renew_refund_lease(refund_id)  # this job is alive: the sweeper leaves the refund to it
    try:
        outcome = carry_out(db.session, current_app.extensions["keyshop.providers"], refund_id)
    except ProviderUnavailable as exc:
        job = get_current_job()
        if job is not None and job.retries_left:
            raise
        return settle(db.session, refund_id, "failed", error=f"{exc} (gave up after every retry)")
    if outcome in ("succeeded", "manual"):
        refund_went_through(refund_id)
    return outcome


def refund_went_through(refund_id: int) -> bool:
    """Its order's codes never shown go back to stock (if it is now refunded), then the buyer's mail."""
    from delivery.refund_stock import restock_after_refund

    restock_after_refund(db.session, refund_id)
    return mail_refund(refund_id)


def mail_refund(refund_id: int) -> bool:
    """The buyer hears of each refund that went through, once (the mail log is keyed by refund), and
    of no refund whose money has not moved; the mail is owed in the log before anything is enqueued."""
    from delivery.mail.refunds import owe_refund_mail

    return owe_refund_mail(db.session, refund_id)


def submit_dispute_evidence(dispute_id: int) -> str:
    """Send a dispute's frozen evidence to its provider. The provider unreachable: RQ retries; after
    the last try the dispute is failed, for staff to submit again."""
    from rq import get_current_job

    from payments.base import ProviderUnavailable
    from payments.dispute_submission import finish, send_evidence

    try:
        return send_evidence(db.session, current_app.extensions["keyshop.providers"], dispute_id)
    except ProviderUnavailable as exc:
        job = get_current_job()
        if job is not None and job.retries_left:
            raise
        return finish(db.session, dispute_id, "failed", f"{exc} (gave up after every retry)")
