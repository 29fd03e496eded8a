"""The storefront pages' version: one counter, raised by the same transaction as any write to a table
those pages show (a price, a product's text, a review, a help article, the shop's settings and
logo), so a page cached under the old version is never served once the change commits.

It is raised by an engine hook rather than by each writer: every path that writes these tables
(the admin, the API, jobs, the feedback rooms) is covered, including ones written after this.
Stock is not versioned here (every sale would raise it): the pages read the stock state afresh on
every request (app.web.page_cache).
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import BigInteger, Connection, Engine, event, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.core.extensions import db

# The tables whose rows the product and home pages show.
SHOWN = frozenset({"products", "reviews", "help_categories", "help_articles", "help_texts", "shop_settings", "images"})
_WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)
# An upsert: the row is made again if a restore or a test's truncation removed it.
_RAISE = (
    "INSERT INTO page_versions (id, version) VALUES (1, 1) "
    "ON CONFLICT (id) DO UPDATE SET version = page_versions.version + 1"
)
CURRENT = "coalesce((SELECT version FROM page_versions WHERE id = 1), 0)"  # an SQL expression
_OWED = "keyshop.page_version_owed"


class PageVersion(db.Model):
    """The one row (id 1); written only by the raise below, read as CURRENT."""

    __tablename__ = "page_versions"
    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, server_default="0")


def page_version(session: Session) -> int:
    return session.scalar(text(f"SELECT {CURRENT}"))


def watch_page_writes(engine: Engine) -> None:
    """Raise the version as the commit of a transaction that wrote a shown table begins: in the
    same transaction, so a reader that sees the new version also sees the write. At the end and
    not at the first write: the version row is then locked only for the commit itself, and two
    transactions writing shown tables in different orders cannot deadlock on it. A statement
    run outside a transaction (PostgreSQL's autocommit) is committed before the raise: a page
    read in between is newer than its version, never older."""
    event.listen(engine, "after_cursor_execute", _note_write)
    event.listen(engine, "commit", _raise_owed)
    event.listen(engine, "rollback", _forget_owed)


def writes_shown_table(statement: str) -> bool:
    written = _WRITE.match(statement)
    return written is not None and written.group(1).lower() in SHOWN


def _note_write(conn: Connection, _cursor: Any, statement: str, _parameters: Any, _context: Any, _many: bool) -> None:
    if writes_shown_table(statement):
        conn.info[_OWED] = True
        if conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
            _raise_owed(conn)  # committed already: there may be no commit to wait for


def _raise_owed(conn: Connection) -> None:
    if not conn.info.pop(_OWED, False):
        return
    # The DBAPI connection's own cursor: this runs inside SQLAlchemy's commit, before the DBAPI's.
    dbapi = conn.connection.dbapi_connection
    assert dbapi is not None  # a connection that just ran a statement has one
    cursor = dbapi.cursor()
    try:
        cursor.execute(_RAISE)
    finally:
        cursor.close()


def _forget_owed(conn: Connection) -> None:
    if conn.invalidated:  # a lost connection: its info would reconnect, inside the rollback that lets it
        return
    conn.info.pop(_OWED, None)
