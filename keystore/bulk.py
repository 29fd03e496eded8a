"""Writing many code rows fast: COPY on PostgreSQL, a plain executemany on SQLite.

This bypasses the ORM on purpose: a million rows through it cost minutes, through these seconds.
The rows join the caller's transaction like any other statement.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

COLUMNS = ("product_id", "batch_id", "status", "blind_index", "key_id", "nonce", "ciphertext", "shop_unique")
_TYPES = ("int", "int", "text", "bytea", "text", "bytea", "bytea", "bool")
_COPY_TYPES = ["int4", "int4", "varchar", "bytea", "varchar", "bytea", "bytea", "bool"]  # exactly the columns'
_INSERT_SKIPPING = (
    f"INSERT INTO codes ({', '.join(COLUMNS)}) "
    f"SELECT * FROM unnest({', '.join(f'%s::{kind}[]' for kind in _TYPES)}) "
    f"ON CONFLICT DO NOTHING RETURNING blind_index"
)
RACE_RETRIES = 5


def insert_codes(session: Session, rows: list[tuple]) -> set[bytes]:
    """Store the rows; returns the blind indexes of those not stored because another import, running
    at the same time, stored the same code first (see _insert_racing)."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        return _insert_racing(connection.connection.driver_connection, rows)
    # SQLite: the caller checked stock inside the same write-locked transaction; nobody can race it.
    placeholders = ", ".join("?" for _ in COLUMNS)
    connection.exec_driver_sql(f"INSERT INTO codes ({', '.join(COLUMNS)}) VALUES ({placeholders})", rows)
    return set()


def _insert_racing(driver, rows: list[tuple]) -> set[bytes]:
    """PostgreSQL: the stock check cannot see another import's uncommitted rows, so the unique indexes
    decide. The fast COPY is tried first, in a savepoint; if it meets a code another import stored
    (or the two deadlock on codes each holds), the chunk is written again skipping the conflicts,
    which waits for the other import to commit or roll back."""
    from psycopg import errors

    for attempt in range(RACE_RETRIES):
        with driver.cursor() as cursor:
            cursor.execute("SAVEPOINT keyshop_codes")
            try:
                skipped = _copy(cursor, rows) if attempt == 0 else _insert_skipping(cursor, rows)
            except (errors.UniqueViolation, errors.DeadlockDetected):
                cursor.execute("ROLLBACK TO SAVEPOINT keyshop_codes")
                continue
            cursor.execute("RELEASE SAVEPOINT keyshop_codes")
            return skipped
    raise RuntimeError(f"codes could not be stored after {RACE_RETRIES} tries against a concurrent import")


def _copy(cursor, rows: list[tuple]) -> set[bytes]:
    """Binary COPY: the bytea columns travel as bytes, not as hex both sides would spend CPU on."""
    with cursor.copy(f"COPY codes ({', '.join(COLUMNS)}) FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types(_COPY_TYPES)
        for row in rows:
            copy.write_row(row)
    return set()


def _insert_skipping(cursor, rows: list[tuple]) -> set[bytes]:
    cursor.execute(_INSERT_SKIPPING, [list(column) for column in zip(*rows)])
    stored = {bytes(index) for (index,) in cursor.fetchall()}
    return {bytes(row[3]) for row in rows} - stored


def one_transaction_per_batch(session: Session) -> bool:
    """PostgreSQL holds a whole batch in one transaction without blocking sales; SQLite cannot."""
    return session.get_bind().dialect.name == "postgresql"


def stocked_indexes(session: Session, product_id: int, indexes: list[bytes], shop_wide: bool) -> dict[bytes, int]:
    """Which of these blind indexes are already stored, in any state, and in which batch: anywhere in
    the shop among shop-unique codes (`shop_wide`), or in this product alone (a reusable product)."""
    if not indexes:
        return {}
    connection = session.connection()
    where = "shop_unique" if shop_wide else "product_id = {}"
    if connection.dialect.name == "postgresql":  # one array parameter, not thousands of bound values
        query = f"SELECT blind_index, batch_id FROM codes WHERE {where.format('%s')} AND blind_index = ANY(%s)"
        params = (indexes,) if shop_wide else (product_id, indexes)
    else:
        query = (
            f"SELECT blind_index, batch_id FROM codes WHERE {where.format('?')} "
            f"AND blind_index IN ({', '.join('?' for _ in indexes)})"
        )
        params = tuple(indexes) if shop_wide else (product_id, *indexes)
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
