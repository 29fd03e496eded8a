"""Stripe: Checkout Sessions through the `stripe` library, signed webhooks, refunds by payment intent.

The order number travels as `client_reference_id` and in the metadata of both the session and its
payment intent, so charge events (refunds, disputes) name their order too. Only the signature is
checked with the library (`WebhookSignature.verify_header`, about 8 µs); the event is read as plain
JSON rather than built into library objects (about 380 µs each).
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from datetime import UTC, datetime

import stripe

from payments.base import (
    Capabilities,
    CheckoutRequest,
    CheckoutStart,
    DisputeEvidence,
    DisputeNotice,
    EventKind,
    InvalidPayload,
    InvalidSignature,
    PaymentEvent,
    PaymentProvider,
    PaymentState,
    PaymentStatus,
    ProviderRefused,
    ProviderUnavailable,
    RefundRequest,
    RefundResult,
    dispute_reason,
    disputed_amount,
    minor_units,
    required_text,
)

TOLERANCE_SECONDS = 300
# Alipay and WeChat Pay are offered only in currencies Stripe settles them in.
WALLET_CURRENCIES = {
    "alipay": {"CNY", "AUD", "CAD", "EUR", "GBP", "HKD", "JPY", "SGD", "MYR", "NZD", "USD"},
    "wechat_pay": {"CNY", "AUD", "CAD", "EUR", "GBP", "HKD", "JPY", "SGD", "USD", "DKK", "NOK", "SEK", "CHF"},
}
SESSION_EVENTS: dict[str, EventKind] = {
    "checkout.session.completed": "paid",
    "checkout.session.async_payment_succeeded": "paid",
    "checkout.session.async_payment_failed": "failed",
    "checkout.session.expired": "failed",
}
CHARGE_EVENTS: dict[str, EventKind] = {
    "charge.refunded": "refunded",
    "charge.dispute.created": "disputed",
    "charge.dispute.closed": "dispute_closed",
}


class StripeProvider(PaymentProvider):
    name = "stripe"
    label = "Card, Alipay or WeChat Pay (Stripe)"
    capabilities = Capabilities(
        refunds=True, partial_refunds=True, methods=("card", "alipay", "wechat_pay"), status_checks=True
    )

    def __init__(
        self,
        secret_key: str,
        webhook_secret: str,
        api_base: str | None = None,
        timeout: float | tuple[float, float] = (3.05, 15),
    ):
        # Retries are ours (the job queue, with our idempotency key): the library would retry with keys of its
        # own. Its default timeout is 80 s, far too long for a buyer waiting on checkout.
        self._client = stripe.StripeClient(
            secret_key,
            base_addresses={"api": api_base.rstrip("/")} if api_base else None,
            max_network_retries=0,
            http_client=stripe.RequestsClient(timeout=timeout),
        )
        self._webhook_secret = webhook_secret
        self.livemode = secret_key.startswith(("sk_live_", "rk_live_"))

    def start_checkout(self, request: CheckoutRequest) -> CheckoutStart:
        metadata = {"order_number": request.order_number}
        params = {
            "mode": "payment",
            "client_reference_id": request.order_number,
            "metadata": metadata,
            "payment_intent_data": {"metadata": metadata},
            "customer_email": request.email,
            "success_url": request.return_url,
            "cancel_url": request.return_url,
            "payment_method_types": _methods(request.currency),
            "line_items": [
                {
                    "quantity": request.quantity,
                    "price_data": {
                        "currency": request.currency.lower(),
                        "unit_amount": request.amount_minor // request.quantity,
                        "product_data": {"name": request.description},
                    },
                }
            ],
        }
        session = self._call(
            self._client.v1.checkout.sessions.create, params, {"idempotency_key": f"checkout-{request.order_number}"}
        )
        return CheckoutStart(session.url, session.id)

    def parse_webhook(self, headers: Mapping[str, str], body: bytes, query: Mapping[str, str]) -> list[PaymentEvent]:
        header = headers.get("Stripe-Signature", "")
        try:
            text = body.decode("utf-8")  # the library would raise UnicodeDecodeError itself, found by fuzzing
        except UnicodeDecodeError:
            raise InvalidPayload("stripe event is not UTF-8") from None
        try:
            stripe.WebhookSignature.verify_header(text, header, self._webhook_secret, TOLERANCE_SECONDS)
        except stripe.SignatureVerificationError as exc:
            raise InvalidSignature(str(exc).splitlines()[0]) from None
        _refuse_future(header)
        try:
            return _events(json.loads(body))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise InvalidPayload(f"stripe event is not readable: {exc}") from None

    def fetch_status(self, checkout_reference: str) -> PaymentStatus | None:
        """The Checkout Session: paid once its payment status is, failed once it expired. Its
        webhooks' event ids cannot be derived; the payment intent, recorded as the payment's
        reference either way, makes whichever comes second a duplicate."""
        session = self._call(self._client.v1.checkout.sessions.retrieve, checkout_reference)
        try:
            return _session_status(session)
        except (ValueError, AttributeError, TypeError) as exc:
            raise InvalidPayload(f"stripe checkout session is not readable: {exc}") from None

    def refund(self, request: RefundRequest) -> RefundResult:
        refund = self._call(
            self._client.v1.refunds.create,
            {"payment_intent": request.provider_reference, "amount": request.amount_minor},
            {"idempotency_key": request.idempotency_key},
        )
        if refund.status == "failed":
            raise ProviderRefused(f"stripe refund {refund.id} failed")
        return RefundResult("succeeded" if refund.status == "succeeded" else "pending", refund.id)

    def submit_dispute_evidence(self, reference: str, evidence: DisputeEvidence, idempotency_key: str) -> None:
        """POST /v1/disputes/{id} with `submit`: Stripe takes no more evidence afterwards."""
        self._call(
            self._client.v1.disputes.update,
            reference,
            {"evidence": stripe_evidence(evidence), "submit": True},
            {"idempotency_key": idempotency_key},
        )

    @staticmethod
    def _call(method, *args):
        try:
            return method(*args)
        except (stripe.APIConnectionError, stripe.RateLimitError) as exc:
            raise ProviderUnavailable(f"stripe: {exc.user_message or exc.__class__.__name__}") from None
        except stripe.APIError as exc:  # Stripe's own 5xx
            raise ProviderUnavailable(f"stripe: {exc.user_message or 'server error'}") from None
        except stripe.StripeError as exc:
            raise ProviderRefused(f"stripe: {exc.user_message or exc.__class__.__name__}") from None


def _refuse_future(header: str) -> None:
    """The library rejects only old timestamps; a signature dated ahead of our clock is refused too."""
    stamps = [int(part[2:]) for part in header.split(",") if part.startswith("t=") and part[2:].isdigit()]
    if not stamps or stamps[0] > time.time() + TOLERANCE_SECONDS:
        raise InvalidSignature("timestamp outside the 300 s tolerance")


def _methods(currency: str) -> list[str]:
    return ["card"] + [method for method, currencies in WALLET_CURRENCIES.items() if currency in currencies]


def _session_status(session) -> PaymentStatus:
    state: PaymentState = "paid" if session.payment_status == "paid" else "pending"
    if session.status == "expired":
        state = "failed"
    intent = session.payment_intent if isinstance(session.payment_intent, str) else ""
    return PaymentStatus(
        intent or session.id,
        state,
        session.client_reference_id or "",
        minor_units(session.amount_total),
        required_text(session.currency).upper(),
        event_id=f"{session.id}:{state}",
    )


def _events(event: dict) -> list[PaymentEvent]:
    kind, data = event["type"], event["data"]["object"]
    if kind in SESSION_EVENTS:
        return [_session_event(event, data, SESSION_EVENTS[kind])]
    if kind in CHARGE_EVENTS:
        return [_charge_event(event, data, CHARGE_EVENTS[kind])]
    return []  # an event we did not subscribe to: accepted and ignored


def _session_event(event: dict, session: dict, kind: EventKind) -> PaymentEvent:
    if event["type"] == "checkout.session.completed" and session.get("payment_status") != "paid":
        kind = "other"  # an async method (e.g. a bank debit) completes later, with its own event
    number = session.get("client_reference_id") or (session.get("metadata") or {})["order_number"]
    return PaymentEvent(
        event_id=required_text(event["id"]),
        kind=kind,
        order_number=required_text(number),
        amount_minor=minor_units(session["amount_total"]),
        currency=required_text(session["currency"]).upper(),
        provider_reference=session.get("payment_intent") or "",
        livemode=bool(event.get("livemode")),
    )


def stripe_evidence(evidence: DisputeEvidence) -> dict[str, str]:
    """Stripe's text fields (its customer_communication and refund_policy are uploaded files, so the
    conversation goes with the delivery log as uncategorized text). Empty parts are left out."""
    fields = {
        "customer_email_address": evidence.customer_email,
        "product_description": evidence.product_description,
        "service_date": evidence.service_date,
        "access_activity_log": evidence.access_activity_log,
        "refund_policy_disclosure": evidence.terms_disclosure,
        "uncategorized_text": "\n\n".join(p for p in (evidence.delivery_log, evidence.customer_communication) if p),
    }
    return {name: text for name, text in fields.items() if text}


def _dispute(kind: EventKind, dispute: dict) -> DisputeNotice | None:
    if kind not in ("disputed", "dispute_closed"):
        return None
    due = (dispute.get("evidence_details") or {}).get("due_by")
    disputed_amount(minor_units(dispute["amount"]))
    return DisputeNotice(
        required_text(dispute["id"]),
        reason=dispute_reason(dispute.get("reason")),
        due_by=None if due is None else _moment(due),
        outcome="won" if dispute.get("status") == "won" else "lost" if dispute.get("status") == "lost" else "",
    )


def _moment(stamp) -> datetime:
    """A Unix timestamp of Stripe's, as our naive UTC; one no calendar holds is unreadable."""
    if not isinstance(stamp, int) or isinstance(stamp, bool) or not 0 <= stamp < 2**37:
        raise ValueError("expected a Unix timestamp")
    return datetime.fromtimestamp(stamp, UTC).replace(tzinfo=None)


def _charge_event(event: dict, charge: dict, kind: EventKind) -> PaymentEvent:
    """A refund or dispute names its payment intent; the inbox finds the order through it."""
    amount = charge["amount_refunded"] if kind == "refunded" else charge["amount"]
    return PaymentEvent(
        event_id=required_text(event["id"]),
        kind=kind,
        order_number=(charge.get("metadata") or {}).get("order_number", ""),
        amount_minor=minor_units(amount),
        currency=required_text(charge["currency"]).upper(),
        provider_reference=charge.get("payment_intent") or "",
        livemode=bool(event.get("livemode")),
        dispute=_dispute(kind, charge),
    )
