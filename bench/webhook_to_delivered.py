"""Webhook-to-delivered latency, one order at a time, through real processes.

Starts gunicorn (2 workers) and one `keyshop worker` on a throw-away instance, then for each order
sends a signed sandbox webhook and waits until the order is delivered. The latency is the order's
delivered_at (stamped inside the delivering transaction) minus the moment the webhook was sent.

    .venv/bin/python bench/webhook_to_delivered.py --orders 200 --database sqlite
    .venv/bin/python bench/webhook_to_delivered.py --orders 200 --database postgresql
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import requests
from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

POSTGRES_ADMIN = os.environ.get("BENCH_POSTGRES_URL", "postgresql://127.0.0.1:5432/test")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        env, cleanup = _environment(Path(folder), args.database)
        try:
            latencies = run(env, args.orders)
        finally:
            cleanup()
    _report(args, latencies)


def _environment(folder: Path, database: str):
    env = {
        "KEYSHOP_INSTANCE": str(folder / "instance"),
        "KEYSHOP_SANDBOX": "1",
        "KEYSHOP_REDIS_URL": REDIS_URL,
        "KEYSHOP_BASE_URL": "http://127.0.0.1:5099",
    }
    if database == "sqlite":
        return env, lambda: None
    name = f"keyshop_bench_{os.getpid()}"
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    env["KEYSHOP_DATABASE_URL"] = POSTGRES_ADMIN.rsplit("/", 1)[0] + "/" + name

    def drop():
        with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return env, drop


def run(env: dict, count: int) -> list[float]:
    os.environ.update(env)
    from app import create_app
    from app.cli.setup import upgrade_database
    from app.core.extensions import db
    from app.core.models import Order
    from app.core.products import create_product
    from keystore.importer import import_codes
    from payments.checkout import CheckoutChoice, place_order
    from payments.registry import providers

    app = create_app()
    app.extensions["keyshop.redis"].flushdb()
    with app.app_context():
        upgrade_database()
        product = create_product(db.session, slug="bench", name="Bench", price="1.00", currency="USD")
        import_codes(
            db.session,
            app.extensions["keyshop.keyring"],
            product.id,
            [(n, f"BENCH-{n:08d}") for n in range(1, count + 1)],
            name="bench",
            source="bench",
        )
        orders = [
            place_order(
                db.session, CheckoutChoice("bench", 1, "b@example.com", "sandbox"), providers(), env["KEYSHOP_BASE_URL"]
            )
            for _ in range(count)
        ]
        sandbox = providers()["sandbox"]
    processes = _start(env)
    try:
        sent_at, answer_ms = {}, []
        for placed in orders:
            headers, body = sandbox.signed_event({"order": placed.number, "amount": 100, "currency": "USD"}, "paid")
            sent_at[placed.order_id] = datetime.now(UTC).replace(tzinfo=None)
            started = time.perf_counter()
            requests.post("http://127.0.0.1:5099/webhooks/sandbox", data=body, headers=headers, timeout=10)
            answer_ms.append((time.perf_counter() - started) * 1000)
            _wait_delivered(app, placed.order_id)
        with app.app_context():
            rows = db.session.execute(select(Order.id, Order.delivered_at)).all()
        print(f"webhook answered in ms: p50={statistics.median(answer_ms):.1f} max={max(answer_ms):.1f}")
        return [(delivered - sent_at[order_id]).total_seconds() * 1000 for order_id, delivered in rows]
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=10)


def _start(env: dict) -> list[subprocess.Popen]:
    full = {**os.environ, **env}
    web = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            "127.0.0.1:5099",
            "--workers",
            "2",
            "--log-level",
            "warning",
            "app:create_app()",
        ],
        env=full,
    )
    worker = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "worker"], env=full, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if requests.get("http://127.0.0.1:5099/healthz", timeout=1).ok:
                time.sleep(1)  # let the worker subscribe to its queues
                return [web, worker]
        except requests.RequestException:
            time.sleep(0.1)
    raise SystemExit("the web server did not start")


def _wait_delivered(app, order_id: int) -> None:
    from app.core.extensions import db
    from app.core.models import Order

    deadline = time.monotonic() + 10
    with app.app_context():
        while time.monotonic() < deadline:
            if db.session.scalar(select(Order.status).where(Order.id == order_id)) == "delivered":
                return
            db.session.rollback()
            time.sleep(0.005)
    raise SystemExit(f"order {order_id} was not delivered in 10 s")


def _report(args, latencies: list[float]) -> None:
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    print(
        f"backend={args.database} orders={len(ordered)} webhook-to-delivered ms: "
        f"p50={statistics.median(ordered):.1f} p99={p99:.1f} max={ordered[-1]:.1f} min={ordered[0]:.1f}"
    )


if __name__ == "__main__":
    main()
