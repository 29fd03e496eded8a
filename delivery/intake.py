"""The front door of the paid-order path: verify, record, enqueue after commit, answer."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy.orm import Session

from delivery.queues import enqueue_fulfilment
from payments.base import InvalidPayload, InvalidSignature, PaymentProvider, ProviderUnavailable
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
    try:
        events = provider.parse_webhook(headers, body, query)
        result = record_events(session, provider.name, events, provider.livemode)
    except InvalidSignature as exc:
        log.warning("%s webhook rejected: %s", provider.name, exc)
        return WebhookReply(400, f"invalid signature: {exc}")
    except InvalidPayload as exc:
        return WebhookReply(400, f"invalid payload: {exc}")
    except UnknownOrder as exc:
        return WebhookReply(422, f"unknown order: {exc}")
    except ProviderUnavailable as exc:  # the adapter had to ask the provider; it will deliver again
        return WebhookReply(503, f"provider unavailable: {exc}")
    enqueue_fulfilment(result.paid_order_ids)  # after the inbox's commit
    if result.problems:
        return WebhookReply(422, "; ".join(result.problems))
    accepted = provider.acknowledgement()
    return WebhookReply(200, accepted.body, accepted.content_type)


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
