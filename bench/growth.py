"""Cost that does not grow with the shop: bench/pipeline.py at one fixed rate, and the claim, in a
small shop and in grown ones, side by side.

    BENCH_REDIS_URL=redis://127.0.0.1:6379/3 .venv/bin/python bench/growth.py --backend both
    .venv/bin/python bench/growth.py --backend sqlite --size 100000 --shapes small,history

Shapes: `small` (10 codes left in stock after the run, no history), `stock` (SIZE more codes in
stock), `history` (SIZE delivered orders with their codes, order events, mail log, payments and
inbox events, bench/fill.py), `both`. Each shape first times, in this process, the ledger check
(every 5 minutes, by one worker; it also takes the check's lock, so the workers do not run it
inside the window) and one pass of the sweeper every worker runs every 10 s; then runs the pipeline
(`keyshop web` and a worker per core) at RATE webhooks a second for SECONDS; then, with the
processes stopped, times the claim (one code, rolled back) and the low-stock check. On PostgreSQL
it also lists the tables read by sequential scan during the run (rows read that way: a scan that
grows with the table).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import pipeline  # noqa: E402 - after the path
from bench.databases import ThrowAwayDatabase  # noqa: E402
from bench.fill import fill_history, fill_stock  # noqa: E402

LEFT_IN_STOCK = 10


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--shapes", default="small,stock,history")
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--rate", type=int, default=40)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--claims", type=int, default=300)
    args = parser.parse_args()
    results: dict[tuple[str, str], dict] = {}
    for backend in ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]:
        for shape in args.shapes.split(","):
            with tempfile.TemporaryDirectory() as folder, ThrowAwayDatabase(backend, Path(folder)) as url:
                results[backend, shape] = _run_shape(backend, shape, url, Path(folder), args)
    _side_by_side(results)


def _run_shape(backend: str, shape: str, url: str, folder: Path, args) -> dict:
    figures: dict = {}
    env = pipeline.keyshop_environment(folder, url)
    orders = args.rate * args.seconds
    grow = _Grow(shape, args.size, figures)
    shop = pipeline._KeyshopShop(orders + 1 + LEFT_IN_STOCK, prepare=grow)  # + the template order
    hooks = shop.next_webhooks(orders)
    figures.update(_periodic_work(shop.app))
    scans_before = _sequential_scans(shop.app)
    from app.cli.run import gunicorn_argv

    web = gunicorn_argv("127.0.0.1", pipeline.PORT, 2, env["KEYSHOP_DATABASE_URL"])
    worker = [sys.executable, "-m", "app.cli", "worker"]
    with pipeline._processes(env, web, [worker] * args.workers) as processes:
        with pipeline._CpuPerOrder(processes.children) as cpu:
            due = pipeline._offer(args.rate, args.seconds, hooks, "/webhooks/sandbox")
            cpu.orders = pipeline._report(f"{shape:>7}", backend, args.rate, args.seconds, due, shop.delivered_at)
            pipeline._wait_until_sent(shop)
    figures["pipeline"] = {**pipeline.LAST_RATE, **cpu.figures}
    figures["scans"] = _grown_scans(scans_before, _sequential_scans(shop.app))
    figures.update(_timed_in_process(shop.app, grow.product_id, grow.template_order_id, args.claims))
    _print_shape(backend, shape, figures)
    return figures


class _Grow:
    """The `prepare` of the shop: one real order paid and delivered (the template every copy is
    made of), then the shape's fill, timed."""

    def __init__(self, shape: str, size: int, figures: dict):
        self.shape, self.size, self.figures = shape, size, figures

    def __call__(self, app, product_id: int) -> None:
        from app.core.extensions import db

        self.product_id = product_id
        self.template_order_id = _one_real_order(app)
        started, conn = time.perf_counter(), db.session.connection()
        if self.shape in ("stock", "both"):
            newest = conn.exec_driver_sql("SELECT MAX(id) FROM codes WHERE status = 'available'").scalar_one()
            fill_stock(conn, newest, self.size)
        if self.shape in ("history", "both"):
            fill_history(conn, self.template_order_id, self.size)
        db.session.commit()
        if self.shape != "small" and conn.dialect.name == "sqlite":
            # the fill's one transaction left the WAL at about a gigabyte: copied back now, not by
            # the first commit of the run (a shop that grew over a year has no such WAL)
            raw = db.engine.raw_connection()  # outside any transaction, or the checkpoint cannot finish
            raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
            raw.close()
        if self.shape != "small" and conn.dialect.name == "postgresql":
            # as autovacuum and the checkpointer do soon after such a growth: not inside the run
            autocommit = db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
            autocommit.exec_driver_sql("VACUUM ANALYZE")
            autocommit.exec_driver_sql("CHECKPOINT")
            db.session.commit()
        os.sync()  # the fill's gigabytes reach the disk now, not while the run's commits wait on it
        self.figures["fill_seconds"] = time.perf_counter() - started
        app.extensions["keyshop.redis"].flushdb()


def _one_real_order(app) -> int:
    """Placed, paid by a signed webhook through the web route, delivered with its mail: every row a
    delivered order leaves."""
    from app.core.extensions import db
    from delivery.jobs import fulfil_order
    from payments.checkout import CheckoutChoice, place_order
    from payments.registry import providers

    choice = CheckoutChoice("bench", 1, "b@example.com", "sandbox")
    placed = place_order(db.session, choice, providers(), "http://bench")
    headers, body = providers()["sandbox"].signed_event(
        {"order": placed.number, "amount": 100, "currency": "USD"}, "paid"
    )
    answer = app.test_client().post("/webhooks/sandbox", data=body, headers=headers)
    assert answer.status_code == 200, answer.data
    app.extensions["keyshop.redis"].delete("rq:queue:delivery")  # delivered here, mail inline
    assert fulfil_order(placed.order_id) == "delivered"
    db.session.remove()
    return placed.order_id


def _timed_in_process(app, product_id: int, order_id: int, claims: int) -> dict:
    from app.core.extensions import db
    from keystore.claim import claim_codes
    from keystore.stock import more_available_than

    claim_ms, check_ms = [], []
    with app.app_context():
        for _ in range(claims):
            db.session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
            started = time.perf_counter()
            assert len(claim_codes(db.session, product_id=product_id, order_id=order_id, quantity=1)) == 1
            claim_ms.append(1000 * (time.perf_counter() - started))
            started = time.perf_counter()
            more_available_than(db.session, product_id, 5)
            check_ms.append(1000 * (time.perf_counter() - started))
            db.session.rollback()
        available = db.session.scalar(
            db.text("SELECT COUNT(*) FROM codes WHERE status = 'available'")
        )  # after the timings: a count is what the paid path must not do
        db.session.remove()
    return {"claim": _percentiles(claim_ms), "low_stock": _percentiles(check_ms), "stock": available}


def _periodic_work(app) -> dict:
    """Before the run: the ledger check (every 5 minutes, by one worker), which also takes its Redis
    lock, so the workers do not run it inside the 20 s as they would on starting (a shop that checked
    within the last 5 minutes); then one pass of the sweeper every worker runs every 10 s, three times."""
    from app.core.extensions import db
    from delivery.ledger.alarm import check_if_due
    from delivery.periodic import PeriodicSweep

    with app.app_context():
        started = time.perf_counter()
        check_if_due(db.session, app.config["KEYSHOP"], app.extensions["keyshop.redis"])
        ledger_s = time.perf_counter() - started
        db.session.remove()
    sweeper, times = PeriodicSweep(app), []
    for _ in range(3):
        app.extensions["keyshop.redis"].delete("keyshop:sweeper")
        started = time.perf_counter()
        sweeper.sweep_once()
        times.append(round(1000 * (time.perf_counter() - started), 1))
    return {"ledger_s": ledger_s, "sweep_ms": times}


def _percentiles(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def _sequential_scans(app) -> dict[str, int]:
    """PostgreSQL: rows read by sequential scans so far, per table. A backend may keep its counts
    unreported while it lives, so this process's connections are closed first: a closing backend
    reports. The run's figures include each worker's start, which reads every code once (the
    keyring check, keystore.check)."""
    from app.core.extensions import db

    with app.app_context():
        if db.session.get_bind().dialect.name != "postgresql":
            return {}
        db.engine.dispose()
        time.sleep(1.1)
        rows = db.session.execute(db.text("SELECT relname, seq_tup_read FROM pg_stat_user_tables")).all()
        db.session.remove()
    return dict(rows)


def _grown_scans(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {
        table: after[table] - before.get(table, 0) for table in after if after[table] - before.get(table, 0) > 10_000
    }


def _print_shape(backend: str, shape: str, figures: dict) -> None:
    claim, check = figures["claim"], figures["low_stock"]
    print(
        f"{'':>7} {'':>10} fill {figures.get('fill_seconds', 0):.1f} s; stock after {figures['stock']}; "
        f"claim ms p50={claim[0]:.3f} p99={claim[1]:.3f}; low-stock check ms p50={check[0]:.3f} "
        f"p99={check[1]:.3f}; sweep ms {figures['sweep_ms']}; ledger check {figures['ledger_s']:.2f} s; rows read by sequential scan: {figures['scans']}",
        flush=True,
    )


def _side_by_side(results: dict[tuple[str, str], dict]) -> None:
    for backend in sorted({backend for backend, _ in results}):
        shapes = {shape: figures for (b, shape), figures in results.items() if b == backend}
        base = shapes.get("small")
        for shape, figures in shapes.items():
            if base is None or shape == "small":
                continue
            print(f"{backend:>10} {shape} / small: " + ", ".join(_ratios(figures, base)), flush=True)


def _ratios(grown: dict, small: dict) -> list[str]:
    pairs = [
        ("delivered/s", grown["pipeline"]["delivered"], small["pipeline"]["delivered"]),
        ("p50", grown["pipeline"]["p50"], small["pipeline"]["p50"]),
        ("p99", grown["pipeline"]["p99"], small["pipeline"]["p99"]),
        ("machine cpu/order", grown["pipeline"]["machine"], small["pipeline"]["machine"]),
        ("worker cpu/order", grown["pipeline"]["worker"], small["pipeline"]["worker"]),
        ("claim p50", grown["claim"][0], small["claim"][0]),
        ("sweep ms", statistics.median(grown["sweep_ms"]), statistics.median(small["sweep_ms"])),
        ("ledger s", grown["ledger_s"], small["ledger_s"]),
    ]
    return [f"{name} {a:.2f}/{b:.2f}={a / b:.2f}" if b else f"{name} {a:.2f}/0" for name, a, b in pairs]


if __name__ == "__main__":
    main()
