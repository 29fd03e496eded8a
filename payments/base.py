"""The interface every payment adapter implements.

Adapters speak their provider's protocol and nothing else: they take and return the plain values
below, never database rows. The core (payments.inbox, payments.checkout) owns the orders' payment
state, so an adapter cannot mark anything paid by itself.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Mapping


class InvalidSignature(Exception):
    """The webhook's signature, or its timestamp, does not verify. Answer 400; change nothing."""


class InvalidPayload(Exception):
    """The webhook verified (or has no signature to check) but its content is not understood."""


@dataclass(frozen=True)
class CheckoutRequest:
    order_number: str
    amount_minor: int
    currency: str
    description: str
    quantity: int
    email: str
    return_url: str  # the buyer's order page
    notify_url: str  # our webhook endpoint for this provider


@dataclass(frozen=True)
class CheckoutStart:
    redirect_url: str
    provider_reference: str = ""


@dataclass(frozen=True)
class PaymentEvent:
    event_id: str  # unique per provider: the inbox key
    kind: Literal["paid", "failed", "other"]
    order_number: str
    amount_minor: int
    currency: str
    provider_reference: str = ""
    livemode: bool = False


@dataclass(frozen=True)
class WebhookAnswer:
    """What the provider expects to read back when we accept its call."""

    body: str = "ok"
    content_type: str = "text/plain"


@dataclass(frozen=True)
class Capabilities:
    refunds: bool = False
    partial_refunds: bool = False
    methods: tuple[str, ...] = ()


class PaymentProvider:
    """Base class of the adapters. Subclasses set ``name`` and ``label`` and implement the two calls."""

    name: str = ""
    label: str = ""
    capabilities = Capabilities()

    def start_checkout(self, request: CheckoutRequest) -> CheckoutStart:
        """Create the provider-side payment and return where to send the buyer."""
        raise NotImplementedError

    def parse_webhook(self, headers: Mapping[str, str], body: bytes, query: Mapping[str, str]) -> list[PaymentEvent]:
        """Verify a callback over its raw body and turn it into events.

        Raises InvalidSignature for a bad signature or timestamp and InvalidPayload for content
        that verified but cannot be read.
        """
        raise NotImplementedError

    def accepted_answer(self) -> WebhookAnswer:
        return WebhookAnswer()
