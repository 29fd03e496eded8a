"""Two-factor sign-in for staff: optional per account, required of owners when the shop says so."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.core.audit import Actor, audit
from app.core.db import write_transaction
from app.core.shop_settings import change_setting, setting
from app.core.staff import Staff
from app.core.totp import matching_step


class TwoFactorError(ValueError):
    pass


def owners_need_it(session: Session) -> bool:
    return setting(session, "owners_need_two_factor") == "1"


def must_enrol(session: Session, staff: Staff) -> bool:
    """An owner without two-factor, in a shop that requires it: they may do nothing but enrol."""
    return staff.role == "owner" and staff.totp_secret is None and owners_need_it(session)


def accept_code(session: Session, staff_id: int, code: str) -> bool:
    """True once per valid code: the step is recorded by a conditional update, so a code seen by an
    onlooker (or sent twice by a double click) cannot sign anyone in a second time."""
    with write_transaction(session):
        secret, last = session.execute(
            select(Staff.totp_secret, Staff.totp_last_step).where(Staff.id == staff_id)
        ).one()
        step = matching_step(secret, code, after=last) if secret else None
        if step is None:
            return False
        claimed = session.execute(
            update(Staff).where(Staff.id == staff_id, Staff.totp_last_step < step).values(totp_last_step=step)
        )
        return claimed.rowcount == 1


def enable(session: Session, staff_id: int, secret: str, code: str) -> None:
    """Turn two-factor on with a secret the staff member has just added to their app, proven by a
    code from it (a secret mistyped into the app must not lock them out)."""
    step = matching_step(secret, code, after=0)
    if step is None:
        raise TwoFactorError("code: that is not the code your app shows now; check the phone's clock and try again")
    with write_transaction(session):
        changed = session.execute(
            update(Staff)
            .where(Staff.id == staff_id, Staff.totp_secret.is_(None))
            .values(totp_secret=secret, totp_last_step=step)
        )
        if changed.rowcount != 1:
            raise TwoFactorError("two-factor is already on for this account")
        audit(session, _email(session, staff_id), "shop.staff.two_factor_enabled", f"staff:{staff_id}")


def disable(session: Session, staff_id: int, code: str) -> None:
    refused = session.get(Staff, staff_id).role == "owner" and owners_need_it(session)
    session.rollback()  # the checks were reads; the change below opens its own write
    if refused:
        raise TwoFactorError("the shop requires two-factor for owners; an owner cannot turn it off")
    if not accept_code(session, staff_id, code):
        raise TwoFactorError("code: wrong or already used; enter the code your app shows now")
    _turn_off(session, staff_id, None, "shop.staff.two_factor_disabled")


def reset(session: Session, email: str) -> None:
    """From the command line, for a lost phone: whoever runs it holds the server already."""
    staff_id = session.scalar(select(Staff.id).where(Staff.email == email.strip().lower()))
    session.rollback()
    if staff_id is None:
        raise TwoFactorError(f"email: no staff account {email}")
    _turn_off(session, staff_id, "cli", "shop.staff.two_factor_reset")


def require_for_owners(session: Session, actor: Actor, required: bool) -> None:
    change_setting(session, actor, "owners_need_two_factor", "1" if required else "0")


def _turn_off(session: Session, staff_id: int, actor_email: str | None, action: str) -> None:
    """`actor_email` None: the staff member turns off their own."""
    with write_transaction(session):
        session.execute(update(Staff).where(Staff.id == staff_id).values(totp_secret=None))
        audit(session, actor_email or _email(session, staff_id), action, f"staff:{staff_id}")


def _email(session: Session, staff_id: int) -> str:
    return session.scalar(select(Staff.email).where(Staff.id == staff_id))
