"""The interface every payment adapter implements.

Adapters speak their provider's protocol and nothing else: they take and return the plain values
below, never database rows. The core (payments.inbox, payments.checkout) owns the orders' payment
state, so an adapter cannot mark anything paid by itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal


class WebhookRefused(Exception):
    """A callback refused; `order_number` is the order it names (unverified: for the log only)."""

    def __init__(self, message: str, order_number: str = ""):
        super().__init__(message)
        self.order_number = order_number


class InvalidSignature(WebhookRefused):
    """The webhook's signature, or its timestamp, does not verify. Answer 400; change nothing."""


class InvalidPayload(WebhookRefused):
    """The webhook verified (or has no signature to check) but its content is not understood."""


class ProviderUnavailable(Exception):
    """The provider could not be reached, timed out or failed on its side: the call may be retried
    (with the same idempotency key)."""


class ProviderRefused(Exception):
    """The provider understood the call and said no (unknown payment, amount too large, not
    supported): retrying the same call changes nothing, a person has to look."""


@dataclass(frozen=True)
class CheckoutRequest:
    order_number: str
    amount_minor: int
    currency: str
    description: str
    quantity: int
    email: str
    # Where the provider sends the buyer back (paid, cancelled, or to capture): it carries no secret,
    # since providers log it and show it in their dashboards (Epay gateways in their order lists). The
    # browser that ordered goes on from there to its order page; any other is told the link comes by mail.
    return_url: str
    notify_url: str  # our webhook endpoint for this provider
    # The order page, with the order's secret: for our own redirect only (manual payment), never
    # for a provider.
    order_page_url: str


@dataclass(frozen=True)
class CheckoutStart:
    redirect_url: str
    provider_reference: str = ""


EventKind = Literal["paid", "failed", "refunded", "disputed", "dispute_closed", "other"]
PaymentState = Literal["paid", "pending", "failed"]


@dataclass(frozen=True)
class DisputeNotice:
    """What a "disputed" or "dispute_closed" event says of the dispute itself (payments.disputes keeps it)."""

    reference: str  # the provider's dispute id: one dispute per (provider, reference)
    reason: str = ""
    due_by: datetime | None = None  # evidence must reach the provider before then (UTC, naive)
    outcome: Literal["", "won", "lost"] = ""  # for "dispute_closed": who the provider decided for


@dataclass(frozen=True)
class PaymentEvent:
    event_id: str  # unique per provider: the inbox key
    kind: EventKind
    order_number: str
    amount_minor: int  # for "refunded": the amount refunded so far, as the provider counts it
    currency: str
    provider_reference: str = ""  # what refunds name: a payment intent, a capture…
    livemode: bool = False
    # What the provider's own status API says against this callback's "paid" (an Epay notify signed
    # with a leaked key, a BTCPay invoice not settled): the order goes to review, never to delivery.
    contradicted_by: str = ""
    dispute: DisputeNotice | None = None


@dataclass(frozen=True)
class PaymentStatus:
    """A checkout's payment as the provider sees it now (for reconciliation, which cannot wait for a
    webhook). `provider_reference` is the payment's (what refunds name); `event_id` is the inbox key
    the provider's own webhook gives the same fact, where it can be derived, so one of the two is a
    duplicate of the other."""

    provider_reference: str
    state: PaymentState
    order_number: str
    amount_minor: int
    currency: str
    event_id: str = ""


@dataclass(frozen=True)
class RefundRequest:
    provider_reference: str  # the payment's reference, as recorded when it was paid
    amount_minor: int
    currency: str
    idempotency_key: str  # ours, stored before the call: a retry can never refund twice
    reason: str = ""


@dataclass(frozen=True)
class RefundResult:
    state: Literal["succeeded", "pending", "manual"]  # manual: staff pay it back outside the provider
    provider_reference: str = ""


@dataclass(frozen=True)
class DisputeEvidence:
    """Evidence against a dispute as plain text, each part already written for a reader at the bank
    (feedback.disputes.evidence renders it); an adapter maps the parts onto its provider's fields."""

    customer_email: str
    product_description: str
    service_date: str  # YYYY-MM-DD: when the codes were delivered
    access_activity_log: str  # each showing of the codes: when, from which address, with which browser
    delivery_log: str  # the order's timeline and the mail sent to the buyer
    customer_communication: str  # the buyer's support conversation
    terms_disclosure: str  # the terms the buyer accepted at checkout, and when


@dataclass(frozen=True)
class Acknowledgement:
    """What the provider expects to read back when we accept its call."""

    body: str = "ok"
    content_type: str = "text/plain"


@dataclass(frozen=True)
class Capabilities:
    refunds: bool = False
    partial_refunds: bool = False
    methods: tuple[str, ...] = ()  # what the buyer can pay with: card, alipay, wechat_pay, …
    currencies: tuple[str, ...] = ()  # ISO codes accepted; empty means any
    status_checks: bool = False  # fetch_status answers: unpaid orders are reconciled with it

    def accepts(self, currency: str) -> bool:
        return not self.currencies or currency in self.currencies


class PaymentProvider:
    """Base class of the adapters.

    Subclasses set ``name``, ``label`` and ``capabilities``, implement ``start_checkout`` and
    ``parse_webhook``, and where the provider allows, ``fetch_status`` and ``refund``. Network
    failures raise ProviderUnavailable; refusals raise ProviderRefused.
    """

    name: str = ""
    label: str = ""
    capabilities = Capabilities()
    livemode: bool = False  # events from the other mode (test vs live) are flagged, never paid

    def start_checkout(self, request: CheckoutRequest) -> CheckoutStart:
        """Create the provider-side payment and return where to send the buyer."""
        raise NotImplementedError

    def parse_webhook(self, headers: Mapping[str, str], body: bytes, query: Mapping[str, str]) -> list[PaymentEvent]:
        """Verify a callback over its raw body and turn it into events.

        Raises InvalidSignature for a bad signature or timestamp and InvalidPayload for content
        that verified but cannot be read.
        """
        raise NotImplementedError

    def complete_return(self, query: Mapping[str, str]) -> list[PaymentEvent]:
        """The buyer came back to ``return_url``; providers that capture then (PayPal) do it here."""
        return []

    def fetch_status(self, checkout_reference: str) -> PaymentStatus | None:
        """Ask the provider about the payment of the checkout that start_checkout returned
        `checkout_reference` for; None when this provider cannot be asked. A provider that captures
        an approved payment itself (PayPal) captures it here, with the same key as its return."""
        return None

    def refund(self, request: RefundRequest) -> RefundResult:
        """Refund all or part of a payment, passing ``request.idempotency_key`` to the provider."""
        raise ProviderRefused(f"{self.name} does not refund through keyshop")

    def submit_dispute_evidence(self, reference: str, evidence: DisputeEvidence, idempotency_key: str) -> None:
        """Send `evidence` against the dispute the provider calls `reference`, and submit it for
        decision (no second chance: providers take one submission). Passes `idempotency_key` where
        the provider honours one, so a retry after a lost answer is not a second submission."""
        raise ProviderRefused(f"{self.name} takes no dispute evidence through keyshop")

    def acknowledgement(self) -> Acknowledgement:
        return Acknowledgement()


def required_text(value) -> str:
    """A field of a provider's payload that must be a short non-empty string."""
    if not isinstance(value, str) or not value or len(value) > 200:
        raise ValueError("expected a non-empty string")
    return value


def dispute_reason(value) -> str:
    """A provider's dispute reason (fraudulent, MERCHANDISE_OR_SERVICE_NOT_RECEIVED): a short word,
    nothing a column cannot store."""
    if not isinstance(value, str) or len(value) > 64 or not value.replace("_", "").isalnum():
        return ""
    return value


def disputed_amount(value: int) -> int:
    """A disputed amount no column holds is no real money: the event is unreadable."""
    if not 0 <= value < 2**63:
        raise ValueError("a disputed amount out of range")
    return value


def minor_units(value) -> int:
    """An amount in a provider's payload: an integer of minor units, never a float or a string."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError("amount must be an integer in minor units")
    return value
