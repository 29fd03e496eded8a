"""Throw-away databases for the benchmarks: a SQLite file, or a PostgreSQL database dropped afterwards."""

from __future__ import annotations

import os
import time
from pathlib import Path

import psycopg

POSTGRES_ADMIN = os.environ.get("BENCH_POSTGRES_URL", "postgresql://127.0.0.1:5432/test")


class ThrowAwayDatabase:
    """`with ThrowAwayDatabase(backend, folder) as url`: the SQLite file's path, or a new PostgreSQL
    database's URL. `keyshop_url(url)` is what KEYSHOP_DATABASE_URL takes for it."""

    def __init__(self, backend: str, folder: Path):
        self.backend, self.name = backend, f"keyshop_bench_{os.getpid()}_{int(time.time() * 1000)}"
        self.url = (
            str(folder / "bench.db") if backend == "sqlite" else POSTGRES_ADMIN.rsplit("/", 1)[0] + "/" + self.name
        )

    def __enter__(self) -> str:
        if self.backend == "postgresql":
            with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{self.name}"')
        return self.url

    def __exit__(self, *exc) -> None:
        if self.backend == "postgresql":
            with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def keyshop_url(url: str) -> str:
    return url if url.startswith("postgresql") else f"sqlite:///{url}"
