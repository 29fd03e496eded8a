"""Signing in and out, and a staff member's own password: each one audited, in the transaction
that opens or ends the session."""

from __future__ import annotations

from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.core.audit import audit
from app.core.db import changed_rows, write_transaction
from app.core.staff import HASHER, Staff, StaffError, check_password
from app.core.staff_sessions import close_all_sessions, close_session, open_session


def sign_in(session: Session, staff_id: int, address: str) -> str:
    """A new session for an account that proved who it is; its secret, for the cookie."""
    with write_transaction(session):
        secret = open_session(session, staff_id)
        audit(session, _email(session, staff_id), "shop.staff.signed_in", f"staff:{staff_id}", detail=address)
    return secret


def record_failed_sign_in(session: Session, email: str, address: str, step: str = "password") -> None:
    """Every refused attempt, known account or not (so the answer takes as long either way).
    The throttle (app.web.admin.auth) bounds how many one address can write."""
    with write_transaction(session):
        staff_id = session.scalar(select(Staff.id).where(Staff.email == email))
        target = f"staff:{staff_id}" if staff_id else ""
        audit(session, email[:254] or "-", "shop.staff.sign_in_failed", target, reason=step, detail=address)


def sign_out(session: Session, secret: str) -> None:
    """This session ends on the server: the cookie, wherever a copy of it is, signs no one in."""
    with write_transaction(session):
        staff_id = close_session(session, secret)
        if staff_id is not None:
            audit(session, _email(session, staff_id), "shop.staff.signed_out", f"staff:{staff_id}")


def sign_out_everywhere(session: Session, staff_id: int) -> None:
    with write_transaction(session):
        close_all_sessions(session, staff_id)
        audit(session, _email(session, staff_id), "shop.staff.signed_out_everywhere", f"staff:{staff_id}")


def change_own_password(session: Session, staff_id: int, current: str, new: str, keep: str) -> None:
    """The current password proves it is still them; every other session of theirs ends."""
    check_password(new)
    stored = session.scalar(select(Staff.password_hash).where(Staff.id == staff_id))
    session.rollback()
    try:
        HASHER.verify(stored or "", current)
    except (VerificationError, InvalidHashError):
        raise StaffError("current: that is not your current password") from None
    with write_transaction(session):
        # conditional on the hash just verified: a change (or a reset) that came in between wins
        changed = changed_rows(
            session,
            update(Staff)
            .where(Staff.id == staff_id, Staff.password_hash == stored)
            .values(password_hash=HASHER.hash(new)),
        )
        if changed != 1:
            raise StaffError("current: your password was changed meanwhile; sign in again")
        close_all_sessions(session, staff_id, keep=keep)
        audit(session, _email(session, staff_id), "shop.staff.password_changed", f"staff:{staff_id}")


def _email(session: Session, staff_id: int) -> str:
    return session.scalar(select(Staff.email).where(Staff.id == staff_id)) or f"staff:{staff_id}"
