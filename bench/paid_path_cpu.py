"""CPU per order of each half of the paid-order path, in one process, without RQ or gunicorn: the
web half (a signed webhook through the Flask test client) and the worker half (fulfil_order, with
the buyer's mail sent inline as an idle worker does, or owed and then drained as a busy one does).

    .venv/bin/python bench/paid_path_cpu.py --backend postgresql --orders 1000
    .venv/bin/python bench/paid_path_cpu.py --backend sqlite --mail owed --profile /tmp/paid-path

Where bench/pipeline.py says how the whole machine copes with a load, this says which half costs
what, with little noise: run it before and after a change to the code of either half.
"""

from __future__ import annotations

import argparse
import cProfile
import logging
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.databases import ThrowAwayDatabase, keyshop_url  # noqa: E402 - after the path

REDIS_URL = os.environ.get("BENCH_CPU_REDIS_URL", "redis://127.0.0.1:6379/12")  # not bench/pipeline.py's db


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="postgresql")
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--mail", choices=["inline", "owed"], default="inline")
    parser.add_argument("--profile", type=Path, help="also write cProfile stats of each half here")
    parser.add_argument("--statements", action="store_true", help="also count each half's SQL statements per order")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, ThrowAwayDatabase(args.backend, Path(folder)) as url:
        shop = _Shop(Path(folder), keyshop_url(url), args.orders)
        halves = [("web", shop.receive_webhooks), ("worker", lambda: shop.fulfil(args.mail))]
        if args.mail == "owed":
            halves.append(("drain", shop.drain))
        for name, half in halves:
            with _StatementCount(args.statements, args.orders) as counted:
                _measure(name, half, args.orders, args.profile)
            counted.report(name)


class _Shop:
    def __init__(self, folder: Path, url: str, orders: int):
        os.environ.update(
            KEYSHOP_INSTANCE=str(folder / "instance"),
            KEYSHOP_SANDBOX="1",
            KEYSHOP_REDIS_URL=REDIS_URL,
            KEYSHOP_BASE_URL="http://127.0.0.1",
            KEYSHOP_DATABASE_URL=url,
        )
        from app import create_app
        from app.cli.setup import upgrade_database
        from app.core.extensions import db
        from app.core.products import create_product
        from keystore.importer import import_codes
        from payments.checkout import CheckoutChoice, place_order
        from payments.registry import providers

        logging.disable(logging.WARNING)  # the migrations' lines
        self.app = create_app()
        self.redis = self.app.extensions["keyshop.redis"]
        self.redis.flushdb()
        with self.app.app_context():
            upgrade_database()
            product = create_product(db.session, slug="bench", name="Bench", price="1.00", currency="USD")
            import_codes(
                db.session,
                self.app.extensions["keyshop.keyring"],
                product.id,
                [(n, f"BENCH-{n:08d}") for n in range(1, orders + 1)],
                name="bench",
                source="bench",
            )
            sandbox, choice = providers()["sandbox"], CheckoutChoice("bench", 1, "b@example.com", "sandbox")
            placed = [place_order(db.session, choice, providers(), "http://bench") for _ in range(orders)]
            db.session.remove()
        logging.disable(logging.NOTSET)
        logging.getLogger().handlers.clear()
        for name in ("app", "delivery", "payments", "keystore"):
            logging.getLogger(name).addHandler(logging.NullHandler())
            logging.getLogger(name).propagate = False
        self.hooks = [
            (p.order_id, *sandbox.signed_event({"order": p.number, "amount": 100, "currency": "USD"}, "paid"))
            for p in placed
        ]

    def receive_webhooks(self) -> None:
        client = self.app.test_client()
        for _, headers, body in self.hooks:
            answer = client.post("/webhooks/sandbox", data=body, headers=headers)
            assert answer.status_code == 200, answer.data

    def fulfil(self, mail: str) -> None:
        """Inline: the delivery queue is emptied first, as a worker that took those jobs finds it."""
        from delivery.jobs import fulfil_order

        if mail == "inline":
            self.redis.delete("rq:queue:delivery")
        for order_id, *_ in self.hooks:
            with self.app.app_context():
                assert fulfil_order(order_id) == "delivered"

    def drain(self) -> None:
        from delivery.jobs import send_owed_mail

        self.redis.delete("rq:queue:delivery")  # a drain gives way to queued deliveries
        with self.app.app_context():
            while send_owed_mail():
                pass


class _StatementCount:
    """Every statement sent to the database while a half runs (BEGIN and COMMIT are not statements
    SQLAlchemy sends through the cursor: they are counted from the engine's own events)."""

    def __init__(self, enabled: bool, orders: int):
        self.enabled, self.orders, self.counts = enabled, orders, Counter()

    def __enter__(self):
        if self.enabled:
            event.listen(Engine, "before_cursor_execute", self._statement)
            event.listen(Engine, "commit", self._commit)
        return self

    def __exit__(self, *exc) -> None:
        if self.enabled:
            event.remove(Engine, "before_cursor_execute", self._statement)
            event.remove(Engine, "commit", self._commit)

    def _statement(self, _conn, _cursor, statement, *_args) -> None:
        self.counts[" ".join(statement.split())[:100]] += 1

    def _commit(self, _conn) -> None:
        self.counts["COMMIT"] += 1

    def report(self, name: str) -> None:
        if self.enabled:
            total = sum(self.counts.values())
            print(f"{name:>6}: {total / self.orders:.2f} statements per order", flush=True)
            for statement, count in self.counts.most_common():
                print(f"{count / self.orders:10.2f}  {statement}", flush=True)


def _measure(name: str, half, orders: int, profile: Path | None) -> None:
    profiler = cProfile.Profile() if profile else None
    wall, cpu = time.perf_counter(), time.process_time()
    if profiler:
        profiler.enable()
    half()
    if profiler:
        profiler.disable()
        profile.mkdir(parents=True, exist_ok=True)
        profiler.dump_stats(profile / f"{name}.pstats")
    wall, cpu = (1000 * (time.perf_counter() - wall) / orders, 1000 * (time.process_time() - cpu) / orders)
    print(
        f"{name:>6}: {cpu:.2f} ms CPU, {wall:.2f} ms wall per order{' (under cProfile)' if profiler else ''}",
        flush=True,
    )


if __name__ == "__main__":
    main()
