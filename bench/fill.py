"""Grow a benchmark shop fast: copies of one real row, made by the database itself (INSERT … SELECT
over a series), not by the application. For bench/growth.py.

- `fill_stock`: `count` more available codes behind the real ones (higher ids: the claim sells the
  oldest first, so the run sells the real codes and the copies stay in stock).
- `fill_history`: `count` delivered orders, each with a copy of every row a real delivered order
  left behind (its codes, order events, mail log, payment, inbox event: every table with an
  `order_id` column holding the template order), dated one every 30 seconds into the past.

Unique columns get a unique value per copy: strings a `g<n>-` prefix, the blind index a hash.
"""

from __future__ import annotations

from sqlalchemy import DateTime, LargeBinary, String, inspect, text
from sqlalchemy.engine import Connection

SPACING_SECONDS = 30  # history: one order every 30 s, about a year for a million


def fill_stock(conn: Connection, template_code_id: int, count: int) -> None:
    _clone(conn, "codes", "id = :template", {"template": template_code_id}, count, salt="stock")


def fill_history(conn: Connection, template_order_id: int, count: int) -> None:
    """Orders first (the others' foreign keys point at them), then every table that refers to it."""
    order_base = _max_id(conn, "orders")
    _clone(conn, "orders", "id = :template", {"template": template_order_id}, count, salt="order", dated=True)
    for table in _tables_with_order_id(conn):
        rows = conn.execute(text(f"SELECT id FROM {table} WHERE order_id = :o"), {"o": template_order_id}).all()
        for (row_id,) in rows:
            _clone(
                conn, table, "id = :template", {"template": row_id}, count, salt=f"{table}{row_id}",
                dated=True, order_base=order_base,
            )  # fmt: skip


def _tables_with_order_id(conn: Connection) -> list[str]:
    inspector = inspect(conn)
    return sorted(
        name
        for name in inspector.get_table_names()
        if name != "orders" and "order_id" in {column["name"] for column in inspector.get_columns(name)}
    )


def _clone(
    conn: Connection,
    table: str,
    where: str,
    params: dict,
    count: int,
    salt: str,
    dated: bool = False,
    order_base: int | None = None,
) -> None:
    """`count` copies of the row `where` picks, with ids after the largest (`id = base + g`)."""
    postgres = conn.dialect.name == "postgresql"
    base = _max_id(conn, table)
    unique = _unique_columns(conn, table)
    columns = inspect(conn).get_columns(table)
    values = [
        _value(column, unique, salt, postgres, dated, order_base, base)
        for column in columns
    ]  # fmt: skip
    names = ", ".join(column["name"] for column in columns)
    series = (
        "generate_series(1, :count) AS s(g)"
        if postgres
        else "(WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < :count) SELECT g FROM s) AS s"
    )
    conn.execute(
        text(f"INSERT INTO {table} ({names}) SELECT {', '.join(values)} FROM {table} AS t, {series} WHERE t.{where}"),
        {**params, "count": count},
    )
    if postgres:
        conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"))


def _value(column: dict, unique: set[str], salt: str, postgres: bool, dated: bool, order_base, base: int) -> str:
    name, kind = column["name"], column["type"]
    if name == "id":
        return f"{base} + g"
    if name == "order_id" and order_base is not None:
        return f"{order_base} + g"
    if name in unique and isinstance(kind, LargeBinary):
        return f"sha256(convert_to('{salt}' || g, 'UTF8'))" if postgres else "randomblob(32)"
    if name in unique and isinstance(kind, String):
        cut = kind.length or 200
        return f"substr('g' || g || '-' || t.{name}, 1, {cut})"
    if dated and isinstance(kind, DateTime):
        shift = f"g * {SPACING_SECONDS}"
        if postgres:
            return f"t.{name} - make_interval(secs => {shift})"
        return f"strftime('%Y-%m-%d %H:%M:%f', t.{name}, '-' || ({shift}) || ' seconds')"
    return f"t.{name}"


def _unique_columns(conn: Connection, table: str) -> set[str]:
    """Every column of a unique constraint or index but the id: each copy needs its own value."""
    inspector = inspect(conn)
    groups = [c["column_names"] for c in inspector.get_unique_constraints(table)]
    groups += [i["column_names"] for i in inspector.get_indexes(table) if i.get("unique")]
    return {
        name for group in groups for name in group if name and name not in ("id", "product_id", "order_id", "provider")
    }


def _max_id(conn: Connection, table: str) -> int:
    return conn.execute(text(f"SELECT COALESCE(MAX(id), 0) FROM {table}")).scalar_one()
