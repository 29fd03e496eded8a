"""One-time links that let a person set their password: an invitation to join the staff, or an
owner's reset of an agent's password. Each link works once, for LINK_HOURS.

The token is an HMAC of a stored nonce under the shop's secret key: the database holds its digest
and the nonce, so a copy of the table alone opens nothing, while the mail job can rebuild the link
from the link's id. Using a link is one conditional UPDATE (unused and unexpired), checked for its
row count, so two clicks at once set one password.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import ForeignKey, String, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.core.db import utcnow
from app.core.extensions import db

LINK_HOURS = 72
PURPOSES = ("invite", "reset")


class StaffLink(db.Model):
    __tablename__ = "staff_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[str] = mapped_column(String(16))  # invite | reset
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(16))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))  # a reset's account
    nonce: Mapped[str] = mapped_column(String(64))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[datetime | None] = mapped_column()


@dataclass(frozen=True)
class LinkMail:
    """What the mail of a link says (app.core values only: the mail job composes it)."""

    purpose: str
    email: str
    role: str
    created_by: str
    token: str
    expires_at: datetime


class TakenLink(NamedTuple):
    id: int
    purpose: str
    email: str
    role: str
    staff_id: int | None


def token_for(secret_key: str, nonce: str) -> str:
    digest = hmac.new(secret_key.encode(), f"staff-link:{nonce}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def add_link(session: Session, secret_key: str, purpose: str, email: str, role: str, **values: object) -> int:
    """Inside the caller's write transaction: earlier unused links of the address stop working."""
    now = utcnow()
    session.execute(
        update(StaffLink).where(StaffLink.email == email, StaffLink.used_at.is_(None)).values(expires_at=now)
    )
    nonce = secrets.token_urlsafe(24)
    link = StaffLink(
        purpose=purpose,
        email=email,
        role=role,
        nonce=nonce,
        token_hash=token_digest(token_for(secret_key, nonce)),
        created_at=now,
        expires_at=now + timedelta(hours=LINK_HOURS),
        **values,
    )
    session.add(link)
    session.flush()
    return link.id


def link_mail(session: Session, secret_key: str, link_id: int) -> LinkMail | None:
    """The mail of a link still waiting to be used; None once used, expired or replaced."""
    link = session.get(StaffLink, link_id)
    if link is None or link.used_at is not None or link.expires_at <= utcnow():
        return None
    token = token_for(secret_key, link.nonce)
    return LinkMail(link.purpose, link.email, link.role, link.created_by, token, link.expires_at)


def link_problem(session: Session, token: str) -> str | None:
    """None for a link that works now; else "unknown", "used" or "expired"."""
    link = session.scalar(select(StaffLink).where(StaffLink.token_hash == token_digest(token)))
    if link is None:
        return "unknown"
    if link.used_at is not None:
        return "used"
    return "expired" if link.expires_at <= utcnow() else None


def take_link(session: Session, token: str) -> TakenLink | None:
    """Inside the caller's write transaction: the link, now used; None when it does not work."""
    now = utcnow()
    taken = session.execute(
        update(StaffLink)
        .where(
            StaffLink.token_hash == token_digest(token),
            StaffLink.used_at.is_(None),
            StaffLink.expires_at > now,
        )
        .values(used_at=now)
        .returning(StaffLink.id, StaffLink.purpose, StaffLink.email, StaffLink.role, StaffLink.staff_id)
    ).one_or_none()
    return TakenLink(*taken) if taken is not None else None
