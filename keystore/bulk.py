"""Writing many code rows fast: COPY on PostgreSQL, a plain executemany on SQLite.

This bypasses the ORM on purpose: a million rows through it cost minutes, through these seconds.
The rows join the caller's transaction like any other statement.
"""
from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

COLUMNS = ("product_id", "batch_id", "status", "blind_index", "key_id", "nonce", "ciphertext")


def insert_codes(session: Session, rows: list[tuple]) -> None:
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        driver = connection.connection.driver_connection
        with driver.cursor() as cursor, cursor.copy(f"COPY codes ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    placeholders = ", ".join("?" for _ in COLUMNS)
    connection.exec_driver_sql(f"INSERT INTO codes ({', '.join(COLUMNS)}) VALUES ({placeholders})", rows)


def one_transaction_per_batch(session: Session) -> bool:
    """PostgreSQL holds a whole batch in one transaction without blocking sales; SQLite cannot."""
    return session.get_bind().dialect.name == "postgresql"


def stocked_indexes(session: Session, product_id: int, indexes: list[bytes]) -> dict[bytes, int]:
    """Which of these blind indexes the product already holds, in any state, and in which batch."""
    if not indexes:
        return {}
    connection = session.connection()
    if connection.dialect.name == "postgresql":  # one array parameter, not thousands of bound values
        query, params = "SELECT blind_index, batch_id FROM codes WHERE product_id = %s AND blind_index = ANY(%s)", \
            (product_id, indexes)
    else:
        query = (f"SELECT blind_index, batch_id FROM codes WHERE product_id = ? "
                 f"AND blind_index IN ({', '.join('?' for _ in indexes)})")
        params = (product_id, *indexes)
    return {bytes(index): batch_id for index, batch_id in connection.exec_driver_sql(query, params)}


class PlannerStatistics:
    """Keeps PostgreSQL's row estimates for `codes` honest while a large import grows it.

    On a freshly grown table the planner believes a product has a few hundred codes and checks each
    chunk's blind indexes by filtering every row of the product: seconds per chunk at 100,000 codes.
    Analyzing whenever the import has doubled what it stored keeps the index lookup, at a cost of
    log2(codes) samples.
    """

    def __init__(self, first_at: int = 10_000):
        self._next_at = first_at

    def after(self, session: Session, stored: int) -> None:
        if stored < self._next_at:
            return
        self._next_at = stored * 2
        if session.connection().dialect.name == "postgresql":
            session.execute(text("ANALYZE codes"))  # counts the rows this transaction inserted
