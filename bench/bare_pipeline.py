"""The reference for bench/pipeline.py: the same parts with nothing of keyshop in them.

A WSGI app (gunicorn, 2 sync workers) that stores the webhook's order id and enqueues an RQ job; one
RQ SimpleWorker whose job claims a code with the same guarded UPDATE … RETURNING keyshop uses. No
signature, no inbox, no order states, no encryption, no mail: the floor keyshop is measured against.

    python -m bench.bare_pipeline worker      # what bench/pipeline.py starts; not run by hand
"""

from __future__ import annotations

import os
import sqlite3
import sys
from datetime import UTC, datetime

QUEUE = "bare"
_connection = None


def connect():
    global _connection
    if _connection is None:
        url = os.environ["BARE_DATABASE"]
        if url.startswith("postgresql"):
            import psycopg

            _connection = psycopg.connect(url)
        else:
            _connection = sqlite3.connect(url, isolation_level=None, timeout=30)
            _connection.execute("PRAGMA journal_mode=WAL")
    return _connection


def setup(url: str, codes: int) -> None:
    global _connection
    if _connection is not None:  # a connection to the previous backend's database
        _connection.close()
        _connection = None
    os.environ["BARE_DATABASE"] = url
    conn = connect()
    conn.execute("CREATE TABLE bare_events (order_id INTEGER PRIMARY KEY, received_at TIMESTAMP)")
    conn.execute("CREATE TABLE bare_codes (id INTEGER PRIMARY KEY, order_id INTEGER, delivered_at TIMESTAMP)")
    conn.execute("CREATE INDEX bare_available ON bare_codes (id) WHERE order_id IS NULL")
    if url.startswith("postgresql"):
        conn.execute("INSERT INTO bare_codes (id) SELECT generate_series(1, %s)", (codes,))
        conn.commit()
    else:
        conn.executemany("INSERT INTO bare_codes (id) VALUES (?)", [(n,) for n in range(1, codes + 1)])


def app(environ, start_response):
    order_id = int(environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)))
    conn = connect()
    _execute(conn, "INSERT INTO bare_events (order_id, received_at) VALUES ({p}, {p})", (order_id, _now()))
    _commit(conn)
    _queue().enqueue("bench.bare_pipeline.claim", order_id, result_ttl=0)
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]


def claim(order_id: int) -> None:
    conn = connect()
    postgres = not isinstance(conn, sqlite3.Connection)
    if not postgres:
        conn.execute("BEGIN IMMEDIATE")
    lock = "FOR UPDATE SKIP LOCKED" if postgres else ""
    _execute(
        conn,
        "UPDATE bare_codes SET order_id = {p}, delivered_at = {p} WHERE id = (SELECT id FROM bare_codes "
        f"WHERE order_id IS NULL ORDER BY id LIMIT 1 {lock}) AND order_id IS NULL RETURNING id",
        (order_id, _now()),
    )
    _commit(conn)


def _execute(conn, sql: str, params):
    marker = "?" if isinstance(conn, sqlite3.Connection) else "%s"
    return conn.execute(sql.format(p=marker), params)


def _commit(conn) -> None:
    if isinstance(conn, sqlite3.Connection):
        if conn.in_transaction:
            conn.execute("COMMIT")
    else:
        conn.commit()


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _queue():
    from redis import Redis
    from rq import Queue

    return Queue(QUEUE, connection=Redis.from_url(os.environ["BARE_REDIS_URL"]))


if __name__ == "__main__" and sys.argv[1:] == ["worker"]:
    from rq import SimpleWorker

    queue = _queue()
    SimpleWorker([queue], connection=queue.connection).work(logging_level="WARNING")
