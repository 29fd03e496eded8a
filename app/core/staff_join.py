"""Joining the staff and getting back in: an owner invites a person or resets an agent's password,
and the person sets their password from the one-time link mailed to them (app.core.staff_links)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.core.audit import Actor, audit, require_owner
from app.core.db import changed_rows, write_transaction
from app.core.staff import HASHER, Staff, StaffError, check_password, check_role, checked_email
from app.core.staff_links import TakenLink, add_link, link_problem, take_link
from app.core.staff_sessions import close_all_sessions

# No argon2 hash looks like this: the old password stops working the moment a reset is asked for.
UNUSABLE_PASSWORD = "!reset"
LINK_PROBLEMS = {
    "unknown": "link: this link is not valid; ask an owner for a new one",
    "used": "link: this link was used already; sign in, or ask an owner for a new one",
    "expired": "link: this link has expired; ask an owner for a new one",
}


class LinkError(StaffError):
    """The link does not work: `problem` is "unknown", "used" or "expired"."""

    def __init__(self, problem: str):
        self.problem = problem
        super().__init__(LINK_PROBLEMS[problem])


# Owes a link's mail inside the transaction that made the link (the mail package lives above the core).
OweLinkMail = Callable[[Session, int], object]


def invite(session: Session, actor: Actor, email: str, role: str, secret_key: str, owe_mail: OweLinkMail) -> int:
    """The invitation's link id; its mail is owed with it."""
    require_owner(actor, "invite staff")
    email = checked_email(email)
    check_role(role)
    with write_transaction(session):
        if session.scalar(select(Staff.id).where(Staff.email == email)) is not None:
            raise StaffError(f"email: {email} already has an account")
        link_id = add_link(session, secret_key, "invite", email, role, created_by=actor.email)
        audit(session, actor.email, "shop.staff.invited", f"invite:{link_id}", detail=f"{email} ({role})")
        owe_mail(session, link_id)
    return link_id


def reset_password(session: Session, actor: Actor, staff_id: int, secret_key: str, owe_mail: OweLinkMail) -> int:
    """An owner resets an agent's password: it stops working, the agent's sessions end, and a
    link to set a new one is mailed. Owners change their own (or use the command line)."""
    require_owner(actor, "reset a password")
    with write_transaction(session):
        email = session.scalar(
            update(Staff)
            .where(Staff.id == staff_id, Staff.role == "agent", Staff.active)
            .values(password_hash=UNUSABLE_PASSWORD)
            .returning(Staff.email)
        )
        if email is None:
            raise StaffError("staff: only an active agent's password can be reset here")
        close_all_sessions(session, staff_id)
        link_id = add_link(session, secret_key, "reset", email, "agent", staff_id=staff_id, created_by=actor.email)
        audit(session, actor.email, "shop.staff.password_reset", f"staff:{staff_id}", detail=f"link:{link_id}")
        owe_mail(session, link_id)
    return link_id


def check_link(session: Session, token: str) -> None:
    """Raises StaffError naming the link's problem; the page says it before asking for a password."""
    problem = link_problem(session, token)
    session.rollback()
    if problem:
        raise LinkError(problem)


def use_link(session: Session, token: str, password: str) -> int:
    """Set the password the link was for, once; the account's id."""
    check_password(password)
    password_hash = HASHER.hash(password)
    try:
        with write_transaction(session):
            link = take_link(session, token)
            if link is None:
                raise LinkError("unknown")  # replaced by its real problem below
            return (
                _joined(session, link, password_hash)
                if link.purpose == "invite"
                else _reset(session, link, password_hash)
            )
    except IntegrityError:
        raise StaffError("email: this address already has an account; sign in instead") from None
    except StaffError:
        check_link(session, token)
        raise


def _joined(session: Session, link: TakenLink, password_hash: str) -> int:
    staff = Staff(email=link.email, password_hash=password_hash, role=link.role)
    session.add(staff)
    session.flush()
    audit(session, link.email, "shop.staff.joined", f"staff:{staff.id}", detail=f"invite:{link.id} ({link.role})")
    return staff.id


def _reset(session: Session, link: TakenLink, password_hash: str) -> int:
    changed = changed_rows(
        session, update(Staff).where(Staff.id == link.staff_id, Staff.active).values(password_hash=password_hash)
    )
    if changed != 1 or link.staff_id is None:
        raise StaffError("staff: this account is deactivated")
    audit(session, link.email, "shop.staff.password_set", f"staff:{link.staff_id}", detail=f"link:{link.id}")
    return link.staff_id
