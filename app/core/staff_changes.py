"""Owners manage staff: change a role, deactivate or reactivate an account, reset its two-factor.

The shop always keeps one active owner. Demoting or deactivating an owner is one conditional UPDATE
that also requires another active owner, taken under the staff lock row (app.core.limits.hold):
two owners demoting each other at once are serialised, and the second finds itself the last.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, exists, or_, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased

from app.core.audit import Actor, audit, require_owner
from app.core.db import changed_rows, write_transaction
from app.core.limits import hold
from app.core.staff import Staff, StaffError, check_role
from app.core.staff_sessions import close_all_sessions


def change_role(session: Session, actor: Actor, staff_id: int, role: str) -> None:
    require_owner(actor, "change a role")
    check_role(role)
    with write_transaction(session):
        hold(session, "staff", "owners")
        changed = changed_rows(
            session,
            update(Staff).where(Staff.id == staff_id, Staff.role != role, _leaves_an_owner(staff_id)).values(role=role),
        )
        _require_one(session, changed, staff_id, Staff.role == role, f"role: already {role}")
        audit(session, actor.email, "shop.staff.role_changed", f"staff:{staff_id}", detail=role)


def deactivate(session: Session, actor: Actor, staff_id: int) -> None:
    """The account can no longer sign in, and every session it has ends now."""
    require_owner(actor, "deactivate an account")
    with write_transaction(session):
        hold(session, "staff", "owners")
        changed = changed_rows(
            session,
            update(Staff).where(Staff.id == staff_id, Staff.active, _leaves_an_owner(staff_id)).values(active=False),
        )
        _require_one(session, changed, staff_id, ~Staff.active, "staff: already deactivated")
        close_all_sessions(session, staff_id)
        audit(session, actor.email, "shop.staff.deactivated", f"staff:{staff_id}")


def reactivate(session: Session, actor: Actor, staff_id: int) -> None:
    require_owner(actor, "reactivate an account")
    with write_transaction(session):
        changed = changed_rows(session, update(Staff).where(Staff.id == staff_id, ~Staff.active).values(active=True))
        _require_one(session, changed, staff_id, Staff.active, "staff: already active")
        audit(session, actor.email, "shop.staff.reactivated", f"staff:{staff_id}")


def reset_two_factor(session: Session, actor: Actor, staff_id: int) -> None:
    """For a member who lost their phone: they sign in with their password and set it up again."""
    require_owner(actor, "reset two-factor")
    with write_transaction(session):
        changed = changed_rows(
            session, update(Staff).where(Staff.id == staff_id, Staff.totp_secret.is_not(None)).values(totp_secret=None)
        )
        _require_one(
            session, changed, staff_id, Staff.totp_secret.is_(None), "two_factor: already off for this account"
        )
        audit(session, actor.email, "shop.staff.two_factor_reset", f"staff:{staff_id}")


def _leaves_an_owner(staff_id: int) -> ColumnElement[bool]:
    """True for a row whose change leaves the shop an active owner: it is not one, or another is."""
    other = aliased(Staff)
    another_owner = exists(select(other.id).where(other.id != staff_id, other.role == "owner", other.active))
    return or_(Staff.role != "owner", ~Staff.active, another_owner)


LAST_OWNER = "staff: the shop's last active owner cannot be demoted or deactivated"


def _require_one(
    session: Session,
    rowcount: int,
    staff_id: int,
    already: ColumnElement[bool] | InstrumentedAttribute[bool],
    already_said: str,
) -> None:
    """Why nothing changed, raised inside the write transaction: no such account, the change was
    made already (`already` holds for the row), or else the shop would lose its last owner."""
    if rowcount == 1:
        return
    found = session.execute(select(already).where(Staff.id == staff_id)).one_or_none()
    if found is None:
        raise StaffError("staff: no such account")
    raise StaffError(already_said if found[0] else LAST_OWNER)
