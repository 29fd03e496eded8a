"""The mail log as tests read it, and the drain run in the test's own process."""

from __future__ import annotations

from sqlalchemy import select

from app.core.extensions import db
from delivery.mail.log import MailLog


def mail_rows(app, like: str) -> dict[str, str]:
    """key -> status of the mails whose key is LIKE `like` ("order:%:lookup:%")."""
    with app.app_context():
        rows = db.session.execute(select(MailLog.key, MailLog.status).where(MailLog.key.like(like))).all()
        db.session.remove()
    return dict(rows)


def drain_now(app) -> int:
    """Drain until a drain sends nothing (a drain gives way while deliveries wait); how many were sent."""
    from delivery.jobs import send_owed_mail

    total = 0
    with app.app_context():
        while sent := send_owed_mail():
            total += sent
            db.session.remove()
        db.session.remove()
    return total
