"""PayPal Orders v2: create an order, capture it when the buyer comes back (or when PayPal says it
was approved, for buyers who never come back), verify webhooks through PayPal's own
verify-webhook-signature call, refund a capture.

Every path to a capture names it the same way (`capture:<id>`), so the return and the webhooks
for one capture are one event in the inbox.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Mapping

from app.core.money import to_major, to_minor
from payments.base import (
    Capabilities,
    CheckoutRequest,
    CheckoutStart,
    DisputeEvidence,
    EventKind,
    InvalidPayload,
    InvalidSignature,
    PaymentEvent,
    PaymentProvider,
    PaymentState,
    PaymentStatus,
    ProviderRefused,
    RefundRequest,
    RefundResult,
    required_text,
)
from payments.http import call
from payments.paypal_disputes import DISPUTE_EVENTS, dispute_event, paypal_evidences

API = {"test": "https://api-m.sandbox.paypal.com", "live": "https://api-m.paypal.com"}
SIGNATURE_HEADERS = {
    "auth_algo": "PAYPAL-AUTH-ALGO",
    "cert_url": "PAYPAL-CERT-URL",
    "transmission_id": "PAYPAL-TRANSMISSION-ID",
    "transmission_sig": "PAYPAL-TRANSMISSION-SIG",
    "transmission_time": "PAYPAL-TRANSMISSION-TIME",
}


class PayPalProvider(PaymentProvider):
    name = "paypal"
    label = "PayPal"
    capabilities = Capabilities(refunds=True, partial_refunds=True, methods=("paypal",), status_checks=True)

    def __init__(self, client_id: str, secret: str, webhook_id: str, mode: str = "test", api_base: str | None = None):
        self._api = (api_base or API[mode]).rstrip("/")
        self._credentials = (client_id, secret)
        self._webhook_id = webhook_id
        self.livemode = mode == "live"
        self._token, self._token_until, self._lock = "", 0.0, threading.Lock()

    def start_checkout(self, request: CheckoutRequest) -> CheckoutStart:
        order = self._call(
            "POST",
            "/v2/checkout/orders",
            f"checkout-{request.order_number}",
            json={
                "intent": "CAPTURE",
                "purchase_units": [
                    {
                        "reference_id": request.order_number,
                        "custom_id": request.order_number,
                        "description": request.description[:127],
                        "amount": {
                            "currency_code": request.currency,
                            "value": to_major(request.amount_minor, request.currency),
                        },
                    }
                ],
                "payment_source": {
                    "paypal": {
                        "experience_context": {
                            "return_url": request.return_url,  # captured there (complete_return)
                            "cancel_url": request.return_url,
                            "user_action": "PAY_NOW",
                        }
                    }
                },
            },
        )
        approve = next(link["href"] for link in order["links"] if link["rel"] in ("payer-action", "approve"))
        return CheckoutStart(approve, order["id"])

    def complete_return(self, query: Mapping[str, str]) -> list[PaymentEvent]:
        """The buyer is back from PayPal (`?token=<order id>`): capture now."""
        return self._capture(required_text(query.get("token")))

    def parse_webhook(self, headers: Mapping[str, str], body: bytes, query: Mapping[str, str]) -> list[PaymentEvent]:
        try:
            event = json.loads(body)
            kind, resource = event["event_type"], event["resource"]
        except (ValueError, KeyError, TypeError) as exc:
            raise InvalidPayload(f"paypal event is not readable: {exc}") from None
        self._verify(headers, event)
        try:
            return self._events(kind, resource)
        except (ValueError, KeyError, TypeError) as exc:
            raise InvalidPayload(f"paypal event is not readable: {exc}") from None

    def fetch_status(self, checkout_reference: str) -> PaymentStatus:
        """The PayPal order: an approved one is captured now (the buyer never came back and the
        webhook never came), with the same key as the return's capture; a capture is named
        `capture:<id>` as its webhook names it."""
        order = self._call("GET", f"/v2/checkout/orders/{checkout_reference}")
        try:
            if order["status"] == "APPROVED":
                return self._status(self._capture(checkout_reference), order)
            if order["status"] == "COMPLETED":
                return self._status([self._capture_event(c) for c in _captures(order)], order)
            return _unpaid_order(order)
        except (ValueError, KeyError, TypeError) as exc:
            raise InvalidPayload(f"paypal order is not readable: {exc}") from None

    @staticmethod
    def _status(events: list[PaymentEvent], order: dict) -> PaymentStatus:
        if not events:
            return _unpaid_order(order)
        event = events[0]
        states: dict[str, PaymentState] = {"paid": "paid", "failed": "failed"}
        state = states.get(event.kind, "pending")
        return PaymentStatus(
            event.provider_reference, state, event.order_number, event.amount_minor, event.currency, event.event_id
        )

    def refund(self, request: RefundRequest) -> RefundResult:
        refund = self._call(
            "POST",
            f"/v2/payments/captures/{request.provider_reference}/refund",
            request.idempotency_key,
            json={
                "amount": {"currency_code": request.currency, "value": to_major(request.amount_minor, request.currency)}
            },
        )
        if refund.get("status") in ("CANCELLED", "FAILED"):
            raise ProviderRefused(f"paypal refund {refund.get('id')} {refund['status'].lower()}")
        return RefundResult("succeeded" if refund.get("status") == "COMPLETED" else "pending", refund["id"])

    def submit_dispute_evidence(self, reference: str, evidence: DisputeEvidence, idempotency_key: str) -> None:
        """POST /v1/customer/disputes/{id}/provide-evidence, multipart: the evidence as the `input` part."""
        body = json.dumps({"evidences": paypal_evidences(evidence)})
        self._call(
            "POST",
            f"/v1/customer/disputes/{reference}/provide-evidence",
            idempotency_key,
            files={"input": (None, body, "application/json")},
        )

    def _events(self, kind: str, resource: dict) -> list[PaymentEvent]:
        if kind in DISPUTE_EVENTS:
            return [dispute_event(DISPUTE_EVENTS[kind], resource, self.livemode)]
        if kind == "CHECKOUT.ORDER.APPROVED":
            return self._capture(required_text(resource["id"]))
        if kind in ("PAYMENT.CAPTURE.COMPLETED", "PAYMENT.CAPTURE.DENIED"):
            return [self._capture_event(resource)]
        if kind == "PAYMENT.CAPTURE.REFUNDED":
            amount = resource["amount"]
            capture_id = next(
                (link["href"].rsplit("/", 1)[1] for link in resource.get("links", []) if link.get("rel") == "up"), ""
            )
            return [
                PaymentEvent(
                    f"refund:{required_text(resource['id'])}",
                    "refunded",
                    resource.get("custom_id", ""),
                    to_minor(amount["value"], amount["currency_code"]),
                    amount["currency_code"],
                    capture_id,
                    self.livemode,
                )
            ]
        return []

    def _capture(self, order_id: str) -> list[PaymentEvent]:
        order = self._call("POST", f"/v2/checkout/orders/{order_id}/capture", f"capture-{order_id}", json={})
        return [self._capture_event(capture) for capture in _captures(order)]

    def _capture_event(self, capture: dict) -> PaymentEvent:
        amount = capture["amount"]
        kinds: dict[str, EventKind] = {"COMPLETED": "paid", "DECLINED": "failed"}
        kind = kinds.get(capture["status"], "other")
        return PaymentEvent(
            f"capture:{required_text(capture['id'])}",
            kind,
            required_text(capture["custom_id"]),
            to_minor(amount["value"], amount["currency_code"]),
            amount["currency_code"],
            capture["id"],
            self.livemode,
        )

    def _verify(self, headers: Mapping[str, str], event: dict) -> None:
        fields = {name: headers.get(header, "") for name, header in SIGNATURE_HEADERS.items()}
        if not all(fields.values()):
            raise InvalidSignature("paypal transmission headers missing")
        answer = self._call(
            "POST",
            "/v1/notifications/verify-webhook-signature",
            json={**fields, "webhook_id": self._webhook_id, "webhook_event": event},
        )
        if answer.get("verification_status") != "SUCCESS":
            raise InvalidSignature("paypal did not verify this webhook")

    def _call(self, method: str, path: str, request_id: str = "", **kwargs) -> dict:
        headers = {"Authorization": f"Bearer {self._access_token()}", "Prefer": "return=representation"}
        if request_id:
            headers["PayPal-Request-Id"] = request_id  # PayPal's idempotency key
        return call("paypal", method, self._api + path, headers=headers, **kwargs)

    def _access_token(self) -> str:
        with self._lock:
            if time.monotonic() >= self._token_until:
                answer = call(
                    "paypal",
                    "POST",
                    self._api + "/v1/oauth2/token",
                    auth=self._credentials,
                    data={"grant_type": "client_credentials"},
                )
                self._token = answer["access_token"]
                self._token_until = time.monotonic() + int(answer.get("expires_in", 300)) - 60
            return self._token


def _captures(order: dict) -> list[dict]:
    return [c for unit in order.get("purchase_units", []) for c in unit.get("payments", {}).get("captures", [])]


def _unpaid_order(order: dict) -> PaymentStatus:
    """An order not paid (yet): VOIDED is given up; CREATED and the rest wait for the buyer."""
    unit = order["purchase_units"][0]
    amount = unit["amount"]
    state: PaymentState = "failed" if order["status"] == "VOIDED" else "pending"
    return PaymentStatus(
        order["id"],
        state,
        unit.get("custom_id", ""),
        to_minor(amount["value"], amount["currency_code"]),
        amount["currency_code"],
        f"order:{order['id']}:{state}",
    )
