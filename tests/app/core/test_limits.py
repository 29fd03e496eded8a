"""A limit checked by many at once lets exactly `limit` through (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
import time

from sqlalchemy import func, select

from app.core.audit import AuditEntry, audit
from app.core.db import write_transaction
from app.core.extensions import db
from app.core.limits import hold

LIMIT, CALLERS = 3, 12


def _take_one(app, scope: str, key: str, use_hold: bool, start: threading.Barrier, taken: list) -> None:
    with app.app_context():
        start.wait()
        try:
            with write_transaction(db.session):
                if use_hold:
                    hold(db.session, scope, key)
                used = db.session.scalar(
                    select(func.count()).where(AuditEntry.action == "test.limit.used", AuditEntry.target == key)
                )
                time.sleep(0.02)  # the window an unguarded check-then-record leaves open
                if used < LIMIT:
                    audit(db.session, "test", "test.limit.used", key)
                    taken.append(key)
        finally:
            db.session.remove()


def _race(app, key: str, use_hold: bool = True) -> int:
    start, taken = threading.Barrier(CALLERS), []
    threads = [
        threading.Thread(target=_take_one, args=(app, "test", key, use_hold, start, taken)) for _ in range(CALLERS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    with app.app_context():
        recorded = db.session.scalar(
            select(func.count()).where(AuditEntry.action == "test.limit.used", AuditEntry.target == key)
        )
        db.session.remove()
    assert recorded == len(taken)
    return recorded


def test_a_held_limit_lets_exactly_its_number_through(app):
    assert _race(app, "buyer@example.com") == LIMIT


def test_limits_of_different_keys_do_not_share_a_count(app):
    assert _race(app, "a@example.com") == LIMIT
    assert _race(app, "b@example.com") == LIMIT


def test_without_the_hold_postgresql_lets_more_through(app, backend):
    """The control: the race the lock closes is real (SQLite's IMMEDIATE writers serialise anyway)."""
    through = _race(app, "unguarded@example.com", use_hold=False)
    assert through > LIMIT if backend == "postgresql" else through == LIMIT
