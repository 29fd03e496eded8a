"""A count of the rows a request really changes, kept by the database itself: a trigger on every
table adds to one counter in the writing transaction, so a rolled-back write counts nothing and a
refused request must leave the count as it was (the route sweep and the API fuzzing rely on it)."""

from __future__ import annotations

from sqlalchemy import inspect, text

from app.core.extensions import db

# Rows a refused request may add: a refused sign-in is itself a staff event the audit log keeps.
EXPECTED_ON_REFUSAL = {"audit_log": "action <> 'shop.staff.sign_in_failed'"}
COUNTER = "sweep_changes"


def count_changes(app) -> None:
    """A trigger on every table counts each row inserted, deleted or really updated (an UPDATE that
    writes the values a row had is no change) in one counter, in the writing transaction: a refused
    request must leave the counter as it was. Rows EXPECTED_ON_REFUSAL are not counted. Reading one
    number replaced hashing every row of every table after each request (two thirds of the sweep's time)."""
    with app.app_context():
        inspector = inspect(db.engine)
        derived = _search_indexes()  # built from the tables they index, which are counted
        tables = {
            table: [column["name"] for column in inspector.get_columns(table)]
            for table in inspector.get_table_names()
            if table != "alembic_version" and not table.startswith(derived)
        }
        postgresql = db.engine.dialect.name == "postgresql"
        with db.engine.begin() as connection:
            for statement in _postgresql_counter(tables) if postgresql else _sqlite_counter(tables):
                connection.execute(text(statement))
        db.session.remove()


def _search_indexes() -> tuple[str, ...]:
    """SQLite's full-text tables (virtual, with shadow tables named after them), which take no trigger."""
    if db.engine.dialect.name != "sqlite":
        return ()
    found = db.session.scalars(text("SELECT name FROM sqlite_master WHERE sql LIKE 'CREATE VIRTUAL TABLE%'"))
    return tuple(found)


def uncount_changes(app) -> None:
    """PostgreSQL keeps its database for the next test: the counter and its triggers go."""
    with app.app_context(), db.engine.begin() as connection:
        if db.engine.dialect.name == "postgresql":
            connection.execute(text(f"DROP FUNCTION IF EXISTS {COUNTER}() CASCADE"))
            connection.execute(text(f"DROP TABLE IF EXISTS {COUNTER}"))


def changes(app) -> int:
    """How many rows have changed since count_changes."""
    with app.app_context():
        counted = db.session.scalar(text(f"SELECT n FROM {COUNTER}"))
        db.session.remove()
    return counted


def _sqlite_counter(tables: dict[str, list[str]]) -> list[str]:
    count = f"BEGIN UPDATE {COUNTER} SET n = n + 1; END"
    statements = [f"CREATE TABLE {COUNTER} (n INTEGER NOT NULL)", f"INSERT INTO {COUNTER} VALUES (0)"]
    for table, columns in tables.items():
        changed = " OR ".join(f'OLD."{column}" IS NOT NEW."{column}"' for column in columns)
        statements += [
            f'CREATE TRIGGER {COUNTER}_{table}_i AFTER INSERT ON "{table}"{_when(table, "NEW")} {count}',
            f'CREATE TRIGGER {COUNTER}_{table}_u AFTER UPDATE ON "{table}" WHEN {changed} {count}',
            f'CREATE TRIGGER {COUNTER}_{table}_d AFTER DELETE ON "{table}"{_when(table, "OLD")} {count}',
        ]
    return statements


def _postgresql_counter(tables: dict[str, list[str]]) -> list[str]:
    count = f"EXECUTE FUNCTION {COUNTER}()"
    statements = [
        f"CREATE TABLE {COUNTER} (n bigint NOT NULL)",
        f"INSERT INTO {COUNTER} VALUES (0)",
        f"""CREATE FUNCTION {COUNTER}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN UPDATE {COUNTER} SET n = n + 1; RETURN NULL; END $$""",
    ]
    for table in tables:
        statements += [  # to_jsonb compares rows whatever their columns' types (json has no equality)
            f'CREATE TRIGGER {COUNTER}_i AFTER INSERT ON "{table}" FOR EACH ROW{_when(table, "NEW")} {count}',
            f'CREATE TRIGGER {COUNTER}_u AFTER UPDATE ON "{table}" FOR EACH ROW WHEN (to_jsonb(OLD) <> to_jsonb(NEW)) {count}',
            f'CREATE TRIGGER {COUNTER}_d AFTER DELETE ON "{table}" FOR EACH ROW{_when(table, "OLD")} {count}',
        ]
    return statements


def _when(table: str, row: str) -> str:
    """The trigger's condition for rows a refusal may add: `action <> …` on the NEW or OLD row."""
    if table not in EXPECTED_ON_REFUSAL:
        return ""
    column, rest = EXPECTED_ON_REFUSAL[table].split(" ", 1)
    return f" WHEN ({row}.{column} {rest})"
