"""Import a million codes: seconds and peak memory, on SQLite and PostgreSQL, beside the crypto floor.

    .venv/bin/python bench/import.py                 # 1,000,000 codes, every phase
    .venv/bin/python bench/import.py --codes 200000  # smaller

Each phase runs in its own process so its peak memory (ru_maxrss) is its own:
- floor: read the file, encrypt (AES-256-GCM) and blind-index every code, store nothing;
- sqlite / postgresql: the real import (`keystore.importer.import_codes`) into a fresh database.
"""

from __future__ import annotations

import argparse
import os
import resource
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
POSTGRES_ADMIN = os.environ.get("BENCH_POSTGRES_URL", "postgresql://127.0.0.1:5432/test")
SERVER_CPU: list[float] = []  # CPU seconds of the PostgreSQL backend that ran the import


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--codes", type=int, default=1_000_000)
    parser.add_argument("--phase", choices=["floor", "sqlite", "postgresql"])
    parser.add_argument("--file")
    args = parser.parse_args()
    if args.phase:
        return run_phase(args.phase, Path(args.file))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "codes.txt"
        write_codes(path, args.codes)
        print(f"{args.codes} codes, {path.stat().st_size / 1e6:.1f} MB file")
        for phase in ("floor", "sqlite", "postgresql"):
            subprocess.run([sys.executable, __file__, "--phase", phase, "--file", str(path)], check=True)


def write_codes(path: Path, count: int) -> None:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    with open(path, "w") as handle:
        for n in range(count):
            handle.write(f"{n:07d}-" + "".join(secrets.choice(alphabet) for _ in range(12)) + "\n")


def run_phase(phase: str, path: Path) -> None:
    started, cpu = time.perf_counter(), time.process_time()
    count = floor(path) if phase == "floor" else real_import(phase, path)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN)  # the import's preparing processes
    # An upper bound: a spawned helper's ru_maxrss keeps the parent's pages it shared between fork and exec.
    helpers = f" + at most {children.ru_maxrss / 1024:.0f} MB per helper" if children.ru_maxrss else ""
    server = f" + {SERVER_CPU[0]:.1f} s in its PostgreSQL backend" if SERVER_CPU else ""
    print(
        f"{phase:>10}: {count} codes in {seconds:.1f} s ({count / seconds:,.0f}/s), peak memory {peak_mb:.0f} MB"
        f"{helpers}, CPU {cpu:.1f} s + {children.ru_utime + children.ru_stime:.1f} s in helpers{server} "
        f"(load {os.getloadavg()[0]:.1f})"
    )


def floor(path: Path) -> int:
    from keystore.formats import plaintext_and_key, read_txt
    from keystore.keyring import Keyring, write_new_keyring
    from keystore.models import binding

    folder = tempfile.mkdtemp()
    write_new_keyring(Path(folder) / "k.json")
    keyring = Keyring.load(Path(folder) / "k.json")
    count = 0
    with open(path, "rb") as handle:
        for _, code in read_txt(handle):
            plaintext, key = plaintext_and_key(code, "none")
            index = keyring.blind_index(key)
            keyring.seal(plaintext, binding(1, index))
            count += 1
    return count


def real_import(backend: str, path: Path) -> int:
    with tempfile.TemporaryDirectory() as folder:
        os.environ["KEYSHOP_INSTANCE"] = folder
        drop = _postgres_database() if backend == "postgresql" else (lambda: None)
        try:
            return _import(path)
        finally:
            drop()


def _postgres_database():
    import psycopg

    name = f"keyshop_bench_import_{os.getpid()}"
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    os.environ["KEYSHOP_DATABASE_URL"] = POSTGRES_ADMIN.rsplit("/", 1)[0] + "/" + name

    def drop():
        with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return drop


def _import(path: Path) -> int:
    import logging

    logging.disable(logging.INFO)
    from app import create_app
    from app.cli.setup import upgrade_database
    from app.core.extensions import db
    from app.core.products import create_product
    from keystore.formats import read_txt
    from keystore.importer import import_codes

    os.environ["KEYSHOP_REDIS_URL"] = "redis://127.0.0.1:6379/15"  # not used by an import
    app = create_app()
    with app.app_context():
        upgrade_database()
        product = create_product(db.session, slug="bench", name="Bench", price="1", currency="USD")
        with open(path, "rb") as handle:
            result = import_codes(
                db.session,
                app.extensions["keyshop.keyring"],
                product.id,
                read_txt(handle),
                name="bench",
                source="bench",
            )
        if db.engine.dialect.name == "postgresql":
            SERVER_CPU.append(_process_cpu(db.session.connection().exec_driver_sql("SELECT pg_backend_pid()").scalar()))
        db.engine.dispose()
    return result.imported


def _process_cpu(pid: int) -> float:
    """CPU seconds (user + system) a process on this machine has used so far."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


if __name__ == "__main__":
    main()
