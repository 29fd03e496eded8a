"""Database engine tuning and the write-transaction helper shared by every service."""

from __future__ import annotations

from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime
from functools import cache
from typing import cast

from sqlalchemy import CursorResult, Executable, event, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, scoped_session

from app.core.sqlite_writers import writer_queue


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def engine_options(database_url: str) -> dict:
    if database_url.startswith("sqlite"):
        return {"connect_args": {"timeout": 30, "check_same_thread": False}}
    return {"pool_size": 10, "max_overflow": 20}  # checked before use after idling: app.idle_ping


def tune_sqlite(engine: Engine) -> None:
    """SQLAlchemy's pysqlite recipe: we emit BEGIN ourselves, so a writer can ask for IMMEDIATE.

    Python's sqlite3 delays BEGIN until the first write, which turns read-then-write transactions
    into "database is locked" under concurrency; BEGIN IMMEDIATE takes the write lock up front.
    """
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection):
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")


@contextmanager
def write_transaction(session: Session, one_statement: bool = False):
    """One committed unit of work that takes SQLite's write lock at its start.

    It must open the transaction itself: a transaction that began with a read cannot be upgraded
    safely under concurrency. `one_statement`: the body is one statement, atomic by itself, which
    PostgreSQL then runs without BEGIN and COMMIT (two round trips fewer).
    """
    if _plain(session).in_transaction():
        raise RuntimeError("write_transaction() must start its own transaction; commit or roll back first")
    with _writers_turn(session):
        session.connection(execution_options=_AUTOCOMMIT if one_statement and is_postgres(session) else _IMMEDIATE)
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


_IMMEDIATE = {"sqlite_begin": "IMMEDIATE"}
_AUTOCOMMIT = {"isolation_level": "AUTOCOMMIT"}


def reads_without_transaction(session: Session) -> None:
    """For reads of committed rows that need no snapshot in common (PostgreSQL's read committed
    gives each statement its own anyway): no BEGIN and ROLLBACK round trips. Call it before the
    first read; the session's rollback or commit ends it."""
    if is_postgres(session) and not _plain(session).in_transaction():
        session.connection(execution_options=_AUTOCOMMIT)


def _writers_turn(session: Session):
    bind = session.get_bind()
    queue = writer_queue(bind.engine.url.database) if bind.dialect.name == "sqlite" else None
    return queue.turn() if queue else nullcontext()


def _plain(session) -> Session:
    """Flask-SQLAlchemy hands out a scoped_session; the transaction state lives on the real one."""
    return session() if isinstance(session, scoped_session) else session


def is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def insert_unless_present(session: Session, model, **values) -> bool:
    """One INSERT that leaves alone a row already holding the same unique key, on either backend:
    no IntegrityError, so the caller's transaction goes on. Whether it inserted."""
    statement = _insert_unless_present(session.get_bind().dialect.name, model.__table__)
    return session.execute(statement, values).first() is not None


@cache
def _insert_unless_present(dialect_name: str, table):
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    # RETURNING, not the row count: through SQLAlchemy on PostgreSQL this statement's count reads
    # -1 whether it inserted or not
    return dialect.insert(table).on_conflict_do_nothing().returning(*table.primary_key.columns)


def changed_rows(session: Session, statement: Executable) -> int:
    """How many rows an UPDATE or DELETE changed: a conditional update's verdict. (At run time its
    result is a CursorResult; Session.execute is typed as returning a plain Result.)"""
    return cast(CursorResult, session.execute(statement)).rowcount


def enabled_for(session: Session, model, name: str) -> list[int]:
    """The ids of `model`'s enabled rows whose comma-separated `events` name the event `name` (the
    chat channels, the webhook endpoints: each a place events are sent to)."""
    rows = session.execute(_enabled_rows(model)).all()
    return [row_id for row_id, events in rows if name in events.split(",")]


@cache
def _enabled_rows(model) -> Executable:
    """Built once per model: every paid order asks twice (paid, delivered), mostly to learn of none."""
    return select(model.id, model.events).where(model.enabled)
