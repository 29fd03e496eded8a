"""Writing many code rows fast: COPY on PostgreSQL, a plain executemany on SQLite.

This bypasses the ORM on purpose: a million rows through it cost minutes, through these seconds.
The rows join the caller's transaction like any other statement.
"""
from __future__ import annotations

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
