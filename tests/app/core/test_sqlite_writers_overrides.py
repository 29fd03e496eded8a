"""What the SQLite writer queue and SQLAlchemy's pysqlite recipe (app.core.db) rely on still holds.

Writers queue on an flock beside the database file (app.core.sqlite_writers) instead of sleeping in SQLite's
busy handler, and each write transaction starts with our own BEGIN IMMEDIATE, which works only while
Python's sqlite3 is told to leave transactions alone (isolation_level None) and SQLAlchemy's begin event
lets us emit BEGIN. If the driver went back to its own BEGIN, a write transaction would take the write lock
only at its first write, and "database is locked" would be back under concurrency.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.events import ConnectionEvents

from app.core.db import engine_options, tune_sqlite, write_transaction
from app.core.extensions import db
from app.core.sqlite_writers import WAIT_SECONDS
from tests.signatures import parameters


def test_the_begin_event_still_hands_over_the_connection():
    assert parameters(ConnectionEvents.begin) == ["self", "conn"]


def test_begin_immediate_takes_the_write_lock_at_once_and_the_driver_adds_no_begin(tmp_path):
    path = tmp_path / "shop.db"
    url = f"sqlite:///{path}"
    engine = create_engine(url, **engine_options(url))
    tune_sqlite(engine)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE sold (code TEXT)"))
    statements: list[str] = []
    with engine.connect() as connection:
        connection.connection.driver_connection.set_trace_callback(statements.append)
        with connection.execution_options(sqlite_begin="IMMEDIATE").begin():
            connection.execute(text("SELECT 1"))  # a read only: the lock must already be ours
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                _another_writer(path)
            connection.execute(text("INSERT INTO sold VALUES ('a')"))
        connection.connection.driver_connection.set_trace_callback(None)
    engine.dispose()
    assert [s for s in statements if s.upper().startswith("BEGIN")] == ["BEGIN IMMEDIATE"]
    _another_writer(path)  # and it was released


def _another_writer(path: Path) -> None:
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
    finally:
        other.close()


@pytest.mark.parametrize("backend", ["sqlite"])
def test_the_queue_sits_beside_the_file_sqlite_writes_and_the_busy_timeout_matches(app, backend):
    """The queue's file is named from the engine's URL: it must be the database SQLite really opened."""
    with app.app_context():
        with write_transaction(db.session):
            bind = db.session.get_bind()
            opened = db.session.execute(text("PRAGMA database_list")).all()
            busy_ms = db.session.scalar(text("PRAGMA busy_timeout"))
        db.session.remove()
    main_file = next(row[2] for row in opened if row[1] == "main")
    assert Path(bind.engine.url.database).resolve() == Path(main_file).resolve()
    assert busy_ms == WAIT_SECONDS * 1000
