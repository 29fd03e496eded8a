"""Limits that hold under concurrency (per buyer, per agent, per address).

A limit is a count of records already made. Counting, then recording, is safe only when nobody else
counts the same thing in between: `hold()` takes a lock row for the limit's scope and key first, in
the caller's write transaction, so every other transaction checking the same limit waits until this
one has recorded its decision and committed, and then counts it.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache

from sqlalchemy import String
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.core.db import utcnow
from app.core.extensions import db


class LimitLock(db.Model):
    """One row per limit that was ever checked; only its lock matters, `taken_at` is for people."""

    __tablename__ = "limit_locks"

    scope: Mapped[str] = mapped_column(String(32), primary_key=True)
    key: Mapped[str] = mapped_column(String(320), primary_key=True)
    taken_at: Mapped[datetime] = mapped_column(default=utcnow)


def hold(session: Session, scope: str, key: str) -> None:
    """Inside the caller's write transaction, before it counts: wait for, then take, the limit's lock.

    PostgreSQL: the upsert row-locks (scope, key) until commit, and READ COMMITTED gives the count
    that follows a fresh snapshot. SQLite: write transactions begin IMMEDIATE and so run one at a
    time already; the upsert is a cheap no-op there that keeps one code path.
    """
    session.execute(_upsert(session.get_bind().dialect.name), {"scope": scope, "key": key[:320], "taken_at": utcnow()})


@cache
def _upsert(dialect_name: str):
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    statement = dialect.insert(LimitLock.__table__)
    return statement.on_conflict_do_update(
        index_elements=["scope", "key"], set_={"taken_at": statement.excluded.taken_at}
    )
