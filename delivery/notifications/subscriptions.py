"""Who is told of which event: a row per member and event (off, each, or a daily digest).

A member who never saved has the defaults: owners every event each time but new paid orders,
agents none. Saving writes every event of the member, so the defaults end there."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.core.audit import Actor, audit, require_owner
from app.core.db import write_transaction
from app.core.extensions import db
from app.core.staff import Staff
from delivery.notifications.events import BY_NAME, EVENTS, modes_of


class NotificationError(ValueError):
    """Refused settings; the message names the field."""


class StaffNotification(db.Model):
    __tablename__ = "staff_notifications"

    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), primary_key=True)
    event: Mapped[str] = mapped_column(String(40), primary_key=True)
    mode: Mapped[str] = mapped_column(String(8))


def default_mode(role: str, event: str) -> str:
    return "each" if role == "owner" and event != "order.paid" else "off"


def choices(session: Session) -> list[tuple[int, str, str, dict[str, str]]]:
    """(id, email, role, {event: mode}) of every active member, saved or by default."""
    staff = session.execute(select(Staff.id, Staff.email, Staff.role).where(Staff.active).order_by(Staff.id)).all()
    saved: dict[int, dict[str, str]] = {}
    for staff_id, event, mode in session.execute(
        select(StaffNotification.staff_id, StaffNotification.event, StaffNotification.mode)
    ):
        saved.setdefault(staff_id, {})[event] = mode
    return [(i, email, role, _modes(saved.get(i), role)) for i, email, role in staff]


def _modes(saved: dict[str, str] | None, role: str) -> dict[str, str]:
    if saved is None:
        return {e.name: default_mode(role, e.name) for e in EVENTS}
    return {e.name: saved.get(e.name, "off") for e in EVENTS}


def subscribers(session: Session, event: str, mode: str = "each") -> list[str]:
    """The emails of the active members told of `event` in `mode`."""
    return [email for _id, email, _role, modes in choices(session) if modes[event] == mode]


def save(session: Session, actor: Actor, wanted: dict[int, dict[str, str]]) -> None:
    """Every member's choices at once (all or nothing), audited."""
    require_owner(actor, "change who is told of what")
    _check(session, wanted)
    with write_transaction(session):
        session.execute(delete(StaffNotification).where(StaffNotification.staff_id.in_(list(wanted))))
        for staff_id, modes in wanted.items():
            session.add_all(StaffNotification(staff_id=staff_id, event=e, mode=m) for e, m in modes.items())
        detail = "; ".join(
            f"{i}: " + ",".join(f"{e}={m}" for e, m in sorted(modes.items())) for i, modes in sorted(wanted.items())
        )
        audit(session, actor.email, "shop.notifications.changed", "notifications", detail=detail)


def _check(session: Session, wanted: dict[int, dict[str, str]]) -> None:
    known = set(session.scalars(select(Staff.id).where(Staff.active)))
    session.rollback()
    for staff_id, modes in wanted.items():
        if staff_id not in known:
            raise NotificationError(f"staff: no active member {staff_id}")
        for event, mode in modes.items():
            if event not in BY_NAME:
                raise NotificationError(f"event: unknown event {event[:40]!r}")
            if mode not in modes_of(event):
                raise NotificationError(f"mode: {event} is one of {', '.join(modes_of(event))}")
