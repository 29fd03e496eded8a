"""Server-side sign-in sessions: the cookie names a session, the row says it is still open.

Signing out deletes the row, so a copy of the cookie (another tab, a stolen one) signs no one in
afterwards; deactivating an account or resetting its password deletes all of its rows at once.
Only a digest of the session's secret is stored: a read of the table cannot sign anyone in.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import ForeignKey, String, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.core.db import utcnow
from app.core.extensions import db
from app.core.staff import Staff


class StaffSession(db.Model):
    __tablename__ = "staff_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the cookie's secret
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def open_session(session: Session, staff_id: int) -> str:
    """Inside the caller's write transaction; the secret goes in the signed cookie."""
    secret = secrets.token_urlsafe(32)
    session.add(StaffSession(id=_digest(secret), staff_id=staff_id))
    return secret


def signed_in_staff(session: Session, staff_id: int, secret: str) -> Staff | None:
    """The active account whose open session this is, or None."""
    return session.scalar(
        select(Staff)
        .join(StaffSession, StaffSession.staff_id == Staff.id)
        .where(StaffSession.id == _digest(secret), Staff.id == staff_id, Staff.active)
    )


def close_session(session: Session, secret: str) -> int | None:
    """Inside the caller's write transaction: the account whose session this was, or None."""
    deleted = session.execute(
        delete(StaffSession).where(StaffSession.id == _digest(secret)).returning(StaffSession.staff_id)
    )
    return deleted.scalar()


def close_all_sessions(session: Session, staff_id: int, keep: str | None = None) -> None:
    """Inside the caller's write transaction: every session of the account ends (but `keep`)."""
    condition = StaffSession.staff_id == staff_id
    if keep is not None:
        condition &= StaffSession.id != _digest(keep)
    session.execute(delete(StaffSession).where(condition))
