"""app.core.db on PostgreSQL: statements that stand alone skip BEGIN and COMMIT, and only they do."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from app.core.db import reads_without_transaction, write_transaction
from app.core.extensions import db

# SQLite has no round trips to spare; without PostgreSQL, database_url skips with its reason
pytestmark = pytest.mark.parametrize("backend", ["postgresql"])

# In a transaction now() is when it began; a statement of its own began with the statement.
_OWN_TRANSACTION = text("SELECT now() = statement_timestamp()")


def _after_a_pause_in_its_own_transaction(session) -> bool:
    session.execute(text("SELECT pg_sleep(0.02)"))
    return session.scalar(_OWN_TRANSACTION)


def test_a_one_statement_write_runs_without_begin_and_the_next_write_transaction_has_one_again(app):
    with app.app_context():
        with write_transaction(db.session, one_statement=True):
            assert _after_a_pause_in_its_own_transaction(db.session)
            db.session.execute(text("UPDATE products SET name = 'x' WHERE id = -1"))
        with write_transaction(db.session):  # the pooled connection is transactional again
            assert not _after_a_pause_in_its_own_transaction(db.session)
        db.session.remove()


def test_reads_without_transaction_last_until_the_session_ends_its_work(app):
    with app.app_context():
        reads_without_transaction(db.session)
        assert _after_a_pause_in_its_own_transaction(db.session)
        db.session.rollback()
        assert not _after_a_pause_in_its_own_transaction(db.session)
        db.session.remove()
