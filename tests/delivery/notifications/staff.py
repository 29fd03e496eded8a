"""A team for the notification tests: an owner on the defaults, an agent who chose to be told of an
event, and an agent on the defaults (told of nothing); and what the real SMTP server received."""

from __future__ import annotations

from app.core.audit import Actor
from app.core.extensions import db
from app.core.staff import create_staff
from delivery.notifications.subscriptions import choices, save

OWNER, TOLD, QUIET = "owner@shop.test", "told@shop.test", "quiet@shop.test"
PASSWORD = "a long staff password"


def team(app, event: str, mode: str = "each") -> None:
    """The owner keeps the defaults; TOLD is told of `event` in `mode`; QUIET never saved."""
    with app.app_context():
        create_staff(db.session, OWNER, PASSWORD)
        told = create_staff(db.session, TOLD, PASSWORD, role="agent")
        create_staff(db.session, QUIET, PASSWORD, role="agent")
        save(db.session, Actor(OWNER, "owner"), {told: {event: mode}})
        db.session.remove()


def choose(app, email: str, event: str, mode: str) -> None:
    with app.app_context():
        [(staff_id, modes)] = [(i, m) for i, e, _r, m in choices(db.session) if e == email]
        db.session.rollback()
        save(db.session, Actor(OWNER, "owner"), {staff_id: {**modes, event: mode}})
        db.session.remove()


def addressed(smtp, subject: str) -> list[set[str]]:
    """The To addresses of each message received whose subject starts with `subject`."""
    return [
        {a.strip() for a in str(m["To"]).split(",")} for m in smtp.messages if str(m["Subject"]).startswith(subject)
    ]
