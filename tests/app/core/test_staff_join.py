"""A staff link is used once, however many hands press it at the same instant."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from app.core.audit import Actor
from app.core.extensions import db
from app.core.staff import Staff, StaffError, create_staff
from app.core.staff_join import invite, use_link
from app.core.staff_links import link_mail

OWNER = Actor("owner@shop.test", "owner")


def test_one_invitation_pressed_twice_at_once_makes_one_account(app):
    """Two threads, each in its own connection, take the same link at the same instant: one joins,
    the other is told the link was used; on PostgreSQL and SQLite alike."""
    secret = app.config["KEYSHOP"].secret_key
    with app.app_context():
        create_staff(db.session, OWNER.email, "a long owner password", "owner")
        link_id = invite(db.session, OWNER, "new@shop.test", "agent", secret, lambda *_: None)
        token = link_mail(db.session, secret, link_id).token
        db.session.remove()
    start, outcomes = threading.Barrier(2), []

    def join() -> None:
        with app.app_context():
            start.wait()
            try:
                use_link(db.session, token, "a long new password")
                outcomes.append("joined")
            except StaffError as exc:
                outcomes.append(str(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=join) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes)[0] == "joined" and "used already" in sorted(outcomes)[1], outcomes
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(Staff.email == "new@shop.test")) == 1
        db.session.remove()
