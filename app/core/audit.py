"""The audit log: every staff action and every decryption outside delivery. Append-only.

The database refuses UPDATE and DELETE on the table (triggers in the migration), so not even a bug
in this code can rewrite history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.core.db import utcnow
from app.core.extensions import db


class AuditEntry(db.Model):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor: Mapped[str] = mapped_column(String(254))  # a staff email, "cli", or "system"
    action: Mapped[str] = mapped_column(String(64), index=True)  # dotted: keystore.code.revealed
    target: Mapped[str] = mapped_column(String(64), default="")  # code:12, batch:3, order:KS-…
    reason: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


def audit(session: Session, actor: str, action: str, target: str = "", reason: str = "", detail: str = "") -> None:
    """Add an entry to the caller's transaction: it commits, or rolls back, with the action itself."""
    session.add(AuditEntry(actor=actor, action=action, target=target, reason=reason, detail=detail))


@dataclass(frozen=True)
class Actor:
    """Who acts: a staff member (email and role), or "cli" with the owner's powers."""

    email: str
    role: str

    @property
    def is_owner(self) -> bool:
        return self.role == "owner"


CLI = Actor("cli", "owner")


class NotAllowed(PermissionError):
    """The actor's role does not allow this action."""


def require_owner(actor: Actor, what: str) -> None:
    if not actor.is_owner:
        raise NotAllowed(f"only an owner may {what}")
