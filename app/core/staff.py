"""Staff accounts: owners and support agents, with argon2id password hashes."""

from __future__ import annotations

import re
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import String, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.core.audit import audit
from app.core.db import utcnow, write_transaction
from app.core.extensions import db

ROLES = ("owner", "agent")
MIN_PASSWORD = 12
MAX_PASSWORD = 1024  # argon2 hashes any length; a megabyte of password is an attack, not a secret
# OWASP's argon2id floor: 19 MiB of memory, 2 iterations, 1 lane.
HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
_DUMMY_HASH = HASHER.hash("keyshop: equalises the time of a login for an unknown email")


class StaffError(ValueError):
    pass


class Staff(db.Model):
    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(default=True)
    # No longer read: sessions are rows (app.core.staff_sessions), which signing out deletes.
    session_epoch: Mapped[int] = mapped_column(default=0, server_default="0")
    # Two-factor (app/two_factor.py): the authenticator's shared secret, and the last step used so
    # a code is never accepted twice.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_last_step: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


def create_staff(session: Session, email: str, password: str, role: str = "owner", actor: str | None = None) -> int:
    """`actor` (say "cli"): who made the account, for the audit log; None leaves it to the caller."""
    email = checked_email(email)
    check_role(role)
    check_password(password)
    try:
        with write_transaction(session):
            staff = Staff(email=email, password_hash=HASHER.hash(password), role=role)
            session.add(staff)
            session.flush()
            if actor is not None:
                audit(session, actor, "shop.staff.created", f"staff:{staff.id}", detail=role)
            return staff.id
    except IntegrityError:
        raise StaffError(f"email: {email} already has an account") from None


def checked_email(email: str) -> str:
    email = email.strip().lower()
    if len(email) > 254 or not re.match(r"^[^@\s]+@[^@\s]+$", email):
        raise StaffError(f"email: {email[:254]!r} is not an email address")
    return email


def check_role(role: str) -> None:
    if role not in ROLES:
        raise StaffError(f"role: must be one of {', '.join(ROLES)}")


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise StaffError(f"password: at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise StaffError(f"password: at most {MAX_PASSWORD} characters")


def authenticate(session: Session, email: str, password: str) -> Staff | None:
    staff = session.scalar(select(Staff).where(Staff.email == email.strip().lower(), Staff.active))
    try:
        HASHER.verify(staff.password_hash if staff else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    return staff


def has_staff(session: Session) -> bool:
    return session.scalar(select(Staff.id).limit(1)) is not None


def create_first_owner(session: Session, email: str, password: str) -> int:
    """The shop's first account, from the setup page: only while there is none. Two setups at once
    both roll back (each sees the other's row) rather than leave two first owners."""
    staff_id = create_staff(session, email, password, role="owner")
    with write_transaction(session):
        if session.scalar(select(func.count()).select_from(Staff)) > 1:
            session.execute(delete(Staff).where(Staff.id == staff_id))
            raise StaffError("setup: the shop already has an account; sign in instead")
        audit(session, email.strip().lower(), "shop.staff.created", f"staff:{staff_id}", detail="owner (setup)")
    return staff_id
