"""PostgreSQL connections idle in the pool are checked before use; busy ones are used as they are."""

from __future__ import annotations

import time

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from app.core.extensions import db
from app.core.idle_ping import IDLE_SECONDS


def _backend_pid(app) -> int:
    with app.app_context():
        pid = db.session.scalar(text("SELECT pg_backend_pid()"))
        db.session.remove()  # back into the pool
    return pid


def _end_session(database_url: str, pid: int) -> None:
    admin_url = database_url.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(admin_url, autocommit=True) as admin:
        assert admin.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone()[0]


# SQLite has no connection to lose; without PostgreSQL, database_url skips with its reason
pytestmark = pytest.mark.parametrize("backend", ["postgresql"])


def test_a_connection_that_died_while_idle_is_replaced_before_anybody_uses_it(app, database_url):
    first = _backend_pid(app)
    _end_session(database_url, first)
    time.sleep(IDLE_SECONDS + 0.2)
    assert _backend_pid(app) != first  # no error reached the caller


def test_a_connection_lost_moments_after_use_fails_once_then_the_pool_recovers(app, database_url):
    """The price of not asking the server before every transaction, and why it is small."""
    _end_session(database_url, _backend_pid(app))
    with app.app_context(), pytest.raises(OperationalError):
        db.session.scalar(text("SELECT 1"))
    with app.app_context():
        db.session.remove()
        assert db.session.scalar(text("SELECT 1")) == 1
        db.session.remove()
