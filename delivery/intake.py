"""The front door of the paid-order path: verify, record, enqueue after commit, answer."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy.orm import Session

from delivery.queues import enqueue_fulfilment
from payments.base import InvalidPayload, InvalidSignature, PaymentEvent, PaymentProvider, ProviderUnavailable
from payments.inbox import UnknownOrder, record_events

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WebhookReply:
    status: int
    body: str
    content_type: str = "text/plain"


def accept_webhook(
    session: Session, provider: PaymentProvider, headers: Mapping[str, str], body: bytes, query: Mapping[str, str]
) -> WebhookReply:
    events = []
    try:
        events = provider.parse_webhook(headers, body, query)
        result = record_events(session, provider.name, events, provider.livemode)
    except InvalidSignature as exc:
        return _refused(provider, 400, f"invalid signature: {exc}", exc.order_number)
    except InvalidPayload as exc:
        return _refused(provider, 400, f"invalid payload: {exc}", exc.order_number)
    except UnknownOrder as exc:
        return _refused(provider, 422, f"unknown order: {exc}", _numbers(events))
    except ProviderUnavailable as exc:  # the adapter had to ask the provider; it will deliver again
        return _refused(provider, 503, f"provider unavailable: {exc}", _numbers(events))
    enqueue_fulfilment(result.paid_order_ids)  # after the inbox's commit
    if result.problems:
        return _refused(provider, 422, "; ".join(result.problems), _numbers(events))
    accepted = provider.acknowledgement()
    return WebhookReply(200, accepted.body, accepted.content_type)


def _refused(provider: PaymentProvider, status: int, reason: str, order_number: str) -> WebhookReply:
    """Every callback not answered with the provider's word is logged, with the order it names: a
    gateway that keeps being refused is a sale about to be lost, and staff search logs by order."""
    log.warning("%s webhook refused (%s) for order %r: %s", provider.name, status, order_number or "?", reason)
    return WebhookReply(status, reason)


def _numbers(events: list[PaymentEvent]) -> str:
    return ", ".join(sorted({event.order_number for event in events if event.order_number}))


def accept_return(session: Session, provider: PaymentProvider, query: Mapping[str, str]) -> None:
    """The buyer is back from the provider. Whatever goes wrong here, the buyer still goes on to the
    order page: the provider's webhook (or the sweeper) completes the payment."""
    try:
        result = record_events(session, provider.name, provider.complete_return(query), provider.livemode)
    except Exception as exc:
        session.rollback()
        log.warning("%s return not completed: %s", provider.name, exc.__class__.__name__)
        return
    enqueue_fulfilment(result.paid_order_ids)
