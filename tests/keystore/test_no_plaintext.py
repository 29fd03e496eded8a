"""After an import the database holds no code in the clear: the SQLite files, or a pg_dump."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from app.core.extensions import db
from tests.shop import make_product, stock, unique_codes


def _stored_bytes(app, backend: str, database_url: str) -> bytes:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    if backend == "sqlite":
        path = Path(database_url.removeprefix("sqlite:///"))
        files = [path, path.with_name(path.name + "-wal")]
        return b"".join(file.read_bytes() for file in files if file.exists())
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        pytest.skip("pg_dump is not installed; cannot dump the PostgreSQL database")
    plain_url = database_url.replace("postgresql+psycopg://", "postgresql://", 1)
    return subprocess.run([pg_dump, "--data-only", plain_url], check=True, capture_output=True, timeout=120).stdout


def test_no_imported_code_is_stored_in_the_clear(app, backend, database_url):
    product_id = make_product(app)
    codes = unique_codes(300, prefix="PLAIN")
    result = stock(app, product_id, codes)
    assert result.imported == 300

    stored = _stored_bytes(app, backend, database_url)

    assert len(stored) > 10_000  # the codes are in there, sealed
    found = [code for code in codes if code.encode() in stored or code.encode("utf-16-le") in stored]
    assert found == []
    assert b"PLAIN-" not in stored
