"""The evidence file of a dispute, read from the database: the order, its timeline, the mail sent,
every showing of its codes, the buyer's support conversation and the terms they accepted. Staff read
it on the dispute's page; feedback.disputes.writing turns it into what the provider is sent.

Never a code: the codes are not read, and a code the buyer pasted into a message or that any
detail mentions is withheld (found by its blind index, so nothing is decrypted)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.core.models import Order
from app.core.shop_settings import setting
from delivery.mail.log import MailLog
from feedback.disputes.withheld import CodeFilter, code_filter
from feedback.support.models import Conversation, Message
from keystore.keyring import Keyring
from keystore.reveals import Reveal, reveals_of
from payments.checkout import terms_digest
from payments.models import Dispute
from payments.timeline import TimelineEntry, payment_timeline


@dataclass(frozen=True)
class MailSent:
    kind: str
    status: str
    created_at: datetime
    sent_at: datetime | None


@dataclass(frozen=True)
class SupportMessage:
    at: datetime
    conversation: str  # its number, C-…
    author_kind: str  # buyer | staff (staff's internal notes are never evidence)
    body: str


@dataclass(frozen=True)
class TermsAccepted:
    digest: str
    accepted_at: datetime | None
    text: str  # the terms as they read now, "" when rewritten since (the digest no longer matches)


@dataclass(frozen=True)
class EvidenceFile:
    dispute: Dispute
    order: Order
    timeline: list[TimelineEntry]
    mails: list[MailSent]
    reveals: list[Reveal]
    messages: list[SupportMessage]
    terms: TermsAccepted | None


def evidence_file(session: Session, keyring: Keyring, dispute_id: int) -> EvidenceFile | None:
    dispute = session.get(Dispute, dispute_id)
    if dispute is None:
        return None
    order = session.get_one(Order, dispute.order_id)
    withhold = code_filter(session, keyring, order)
    return EvidenceFile(
        dispute=dispute,
        order=order,
        timeline=[TimelineEntry(e.at, e.what, withhold(e.detail)) for e in payment_timeline(session, order.id)],
        mails=_mails(session, order.id),
        reveals=reveals_of(session, order.id),
        messages=_messages(session, order, withhold),
        terms=_terms(session, order),
    )


def _mails(session: Session, order_id: int) -> list[MailSent]:
    rows = session.execute(
        select(MailLog.kind, MailLog.status, MailLog.created_at, MailLog.sent_at)
        .where(MailLog.order_id == order_id)
        .order_by(MailLog.id)
    )
    return [MailSent(*row) for row in rows]


def _messages(session: Session, order: Order, withhold: CodeFilter) -> list[SupportMessage]:
    """The buyer's conversations about this order, and those from the buyer's address about no order."""
    about = or_(
        Conversation.order_id == order.id,
        (Conversation.order_id.is_(None)) & (Conversation.email == order.email),
    )
    rows = session.execute(
        select(Message.created_at, Conversation.number, Message.author_kind, Message.body)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(about, Message.author_kind.in_(("buyer", "staff")))
        .order_by(Message.created_at, Message.id)
    )
    return [SupportMessage(at, number, kind, withhold(body)) for at, number, kind, body in rows]


def _terms(session: Session, order: Order) -> TermsAccepted | None:
    if not order.terms_digest:
        return None
    now = setting(session, "page_terms")
    return TermsAccepted(
        order.terms_digest, order.terms_accepted_at, now if terms_digest(now) == order.terms_digest else ""
    )
