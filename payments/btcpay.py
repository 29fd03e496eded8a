"""BTCPay Server (Greenfield API): invoices for Bitcoin, webhooks signed with `BTCPay-Sig`.

A webhook names only its invoice, so the adapter reads the invoice back (amount, currency, our
order number in its metadata) before it reports an event; if BTCPay cannot be reached the webhook
is answered 503 and BTCPay delivers it again. Refunds go out as BTCPay pull payments that staff
create in BTCPay itself, so keyshop records them for settlement by hand.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping

from app.core.money import to_major, to_minor
from payments.base import (
    Capabilities,
    CheckoutRequest,
    CheckoutStart,
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

EVENTS: dict[str, EventKind] = {"InvoiceSettled": "paid", "InvoiceExpired": "failed", "InvoiceInvalid": "failed"}
STATES: dict[str, PaymentState] = {"Settled": "paid", "Expired": "failed", "Invalid": "failed"}


class BTCPayProvider(PaymentProvider):
    name = "btcpay"
    label = "Bitcoin (BTCPay)"
    capabilities = Capabilities(refunds=False, methods=("bitcoin",), status_checks=True)
    livemode = True  # BTCPay has no test mode of its own; a testnet store is a separate server

    def __init__(self, server_url: str, store_id: str, api_key: str, webhook_secret: str):
        self._store = f"{server_url.rstrip('/')}/api/v1/stores/{store_id}"
        self._headers = {"Authorization": f"token {api_key}"}
        self._webhook_secret = webhook_secret.encode()

    def start_checkout(self, request: CheckoutRequest) -> CheckoutStart:
        invoice = self._call(
            "POST",
            "/invoices",
            json={
                "amount": to_major(request.amount_minor, request.currency),
                "currency": request.currency,
                "metadata": {
                    "orderId": request.order_number,
                    "buyerEmail": request.email,
                    "itemDesc": request.description,
                },
                "checkout": {"redirectURL": request.return_url, "redirectAutomatically": True},
            },
        )
        return CheckoutStart(invoice["checkoutLink"], invoice["id"])

    def parse_webhook(self, headers: Mapping[str, str], body: bytes, query: Mapping[str, str]) -> list[PaymentEvent]:
        expected = "sha256=" + hmac.new(self._webhook_secret, body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, headers.get("BTCPay-Sig", "")):
            raise InvalidSignature("BTCPay-Sig does not match the body")
        try:
            delivery = json.loads(body)
            kind = EVENTS.get(delivery["type"], "other")
            invoice_id = required_text(delivery["invoiceId"])
        except (ValueError, KeyError, TypeError) as exc:
            raise InvalidPayload(f"btcpay webhook is not readable: {exc}") from None
        if kind == "other":
            return []
        status = self.fetch_status(invoice_id)
        return [
            PaymentEvent(
                event_id=f"{invoice_id}:{delivery['type']}",
                kind=kind,
                order_number=status.order_number,
                amount_minor=status.amount_minor,
                currency=status.currency,
                provider_reference=invoice_id,
                livemode=True,
                contradicted_by=_contradiction(kind, status),
            )
        ]

    def fetch_status(self, checkout_reference: str) -> PaymentStatus:
        """The invoice; its event id is the one its webhook of the same state carries."""
        invoice = self._call("GET", f"/invoices/{checkout_reference}")
        try:
            currency = required_text(invoice["currency"]).upper()
            status = required_text(invoice["status"])
            return PaymentStatus(
                invoice["id"],
                STATES.get(status, "pending"),
                required_text(invoice["metadata"]["orderId"]),
                to_minor(invoice["amount"], currency),
                currency,
                event_id=f"{invoice['id']}:Invoice{status}",
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise InvalidPayload(f"btcpay invoice is not readable: {exc}") from None

    def refund(self, request: RefundRequest) -> RefundResult:
        raise ProviderRefused(
            "BTCPay refunds are sent by staff as a pull payment in BTCPay; settle this refund by hand once it is sent"
        )

    def _call(self, method: str, path: str, **kwargs) -> dict:
        return call("btcpay", method, self._store + path, headers=self._headers, **kwargs)


def _contradiction(kind: EventKind, status: PaymentStatus) -> str:
    """A settlement the invoice, read back from BTCPay, does not show."""
    if kind == "paid" and status.state != "paid":
        return f"btcpay's invoice is {status.state}, not settled"
    return ""
