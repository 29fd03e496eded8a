"""An order's payment story for staff: its logged state changes and every provider event, in order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.models import OrderEvent
from payments.models import WebhookEvent


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    what: str  # a dotted action (shop.order.paid) or the provider event (stripe: paid)
    detail: str


def payment_timeline(session: Session, order_id: int) -> list[TimelineEntry]:
    logged = [
        TimelineEntry(e.created_at, e.action, e.detail)
        for e in session.scalars(select(OrderEvent).where(OrderEvent.order_id == order_id))
    ]
    received = [
        TimelineEntry(w.received_at, f"{w.provider}: {w.kind}", f"event {w.event_id} -> {w.outcome}")
        for w in session.scalars(select(WebhookEvent).where(WebhookEvent.order_id == order_id))
    ]
    return sorted(logged + received, key=lambda entry: entry.at)
