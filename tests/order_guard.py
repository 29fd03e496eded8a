"""A database trigger, installed on every test database, that refuses any change of orders.status the
table in app.core.order_states does not name, and any order created in another state than its
initial one. Built from the table, so the whole suite (web, workers in their own processes, raw SQL
alike) proves that every move the code makes is in the table."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.core.order_states import INITIAL, TRANSITIONS

NAME = "orders_move_by_the_table"
REFUSAL = "order status change not in app.core.order_states"


def _allowed() -> str:
    return ", ".join(f"'{source}>{to}'" for source, _, to in TRANSITIONS)


def _sqlite() -> list[str]:
    return [
        f"""CREATE TRIGGER IF NOT EXISTS {NAME} BEFORE UPDATE OF status ON orders
        WHEN NEW.status IS NOT OLD.status AND OLD.status || '>' || NEW.status NOT IN ({_allowed()})
        BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END""",
        f"""CREATE TRIGGER IF NOT EXISTS {NAME}_insert BEFORE INSERT ON orders
        WHEN NEW.status IS NOT '{INITIAL}'
        BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END""",
    ]


def _postgresql() -> list[str]:
    return [
        f"""CREATE OR REPLACE FUNCTION {NAME}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'INSERT' THEN
                IF NEW.status IS DISTINCT FROM '{INITIAL}' THEN
                    RAISE EXCEPTION USING MESSAGE = '{REFUSAL}: a new order ' || NEW.status;
                END IF;
            ELSIF NEW.status IS DISTINCT FROM OLD.status
                AND OLD.status || '>' || NEW.status NOT IN ({_allowed()}) THEN
                RAISE EXCEPTION USING MESSAGE = '{REFUSAL}: ' || OLD.status || ' -> ' || NEW.status;
            END IF;
            RETURN NEW;
        END $$""",
        f"""CREATE OR REPLACE TRIGGER {NAME} BEFORE INSERT OR UPDATE OF status ON orders
        FOR EACH ROW EXECUTE FUNCTION {NAME}()""",
    ]


def install(connection: Connection) -> None:
    """Once per database (PostgreSQL's is kept between tests; a migration test may drop the table)."""
    if connection.dialect.name == "postgresql":
        if connection.scalar(text("SELECT count(*) FROM pg_trigger WHERE tgname = :name"), {"name": NAME}):
            return
        statements = _postgresql()
    else:
        statements = _sqlite()
    for statement in statements:
        connection.execute(text(statement))
