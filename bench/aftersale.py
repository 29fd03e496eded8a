"""Report -> working code: how long a buyer's report of a bad code waits for its replacement, with the
shop idle and while it delivers paid orders at a fixed rate (issue 22: p99 under 5 s at 100/s).

    BENCH_REDIS_URL=redis://127.0.0.1:6379/3 .venv/bin/python bench/aftersale.py --backend sqlite
    BENCH_REDIS_URL=redis://127.0.0.1:6379/3 .venv/bin/python bench/aftersale.py --backend postgresql --rate 100

`keyshop web` (2 processes) and one `keyshop worker` per core, as bench/pipeline.py runs them. Each
report is recorded and its decision queued as the order page's report button does, by a buyer of
their own (no per-buyer limit applies); the latency is the report's resolved_at minus its
created_at, both written by the shop. The reported codes come from one batch, which the reports
put on hold: the replacements come from a second batch, as the quarantine wants.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.databases import ThrowAwayDatabase, keyshop_url  # noqa: E402 - after the path
from bench.pipeline import PORT, REDIS_URL, _KeyshopShop, _offer, _processes  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--rate", type=int, default=100, help="paid orders per second while reporting")
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--reports", type=int, default=30, help="reports in each phase")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, ThrowAwayDatabase(args.backend, Path(folder)) as url:
        env = {
            "KEYSHOP_INSTANCE": str(Path(folder) / "instance"),
            "KEYSHOP_SANDBOX": "1",
            "KEYSHOP_REDIS_URL": REDIS_URL,
            "KEYSHOP_BASE_URL": f"http://127.0.0.1:{PORT}",
            "KEYSHOP_SWEEP_AFTER": "60",
            "KEYSHOP_DATABASE_URL": keyshop_url(url),
        }
        os.environ.update(env)
        shop = _KeyshopShop(args.rate * args.seconds)
        reported = _Reported(shop.app, 2 * args.reports)
        from app.cli.run import gunicorn_argv

        web = gunicorn_argv("127.0.0.1", PORT, 2, env["KEYSHOP_DATABASE_URL"])
        with _processes(env, web, [[sys.executable, "-m", "app.cli", "worker"]] * args.workers):
            idle = reported.measure(args.reports, spacing=0.2)
            _print(args, "idle", idle)
            hooks = shop.next_webhooks(args.rate * args.seconds)
            sales = threading.Thread(target=_offer, args=(args.rate, args.seconds, hooks, "/webhooks/sandbox"))
            sales.start()
            time.sleep(2)  # the sales are under way
            busy = reported.measure(args.reports, spacing=(args.seconds - 4) / args.reports)
            sales.join()
            _print(args, f"{args.rate} paid orders/s", busy)
            time.sleep(5)
            delivered = len(shop.delivered_at([order_id for order_id, _, _ in hooks]))
            print(f"  {delivered} of the {len(hooks)} paid orders delivered by 5 s after the sales ended")


class _Reported:
    """Orders of their own buyers, delivered before the run from batch "sold"; spares in batch "spare"."""

    def __init__(self, app, count: int):
        from app.core.extensions import db
        from app.core.products import create_product
        from delivery.fulfil import fulfil
        from keystore.importer import import_codes
        from payments.checkout import CheckoutChoice, place_order
        from payments.registry import providers

        self.app, keyring = app, app.extensions["keyshop.keyring"]
        with app.app_context():
            product = create_product(db.session, slug="reported", name="Reported", price="1.00", currency="USD")
            for name in ("sold", "spare"):
                codes = [(n, f"{name.upper()}-{n:06d}") for n in range(1, count + 1)]
                import_codes(db.session, keyring, product.id, codes, name=name, source=name)
                if name == "sold":
                    self.orders = []
                    for n in range(count):
                        choice = CheckoutChoice("reported", 1, f"buyer{n}@example.com", "sandbox")
                        placed = place_order(db.session, choice, providers(), "http://bench")
                        _pay_in_process(app, placed.number)
                        fulfil(db.session, placed.order_id)
                        self.orders.append(placed.order_id)
            db.session.remove()

    def measure(self, count: int, spacing: float) -> list[float]:
        """Report the code of `count` orders, one every `spacing` seconds; seconds to each replacement."""
        from delivery.queues import enqueue

        ids = []
        for order_id in [self.orders.pop() for _ in range(count)]:
            with self.app.app_context():
                ids.append(self._report(order_id))
                enqueue("aftersale", "feedback.jobs.decide_report", ids[-1])
            time.sleep(spacing)
        return self._waits(ids)

    def _report(self, order_id: int) -> int:
        from sqlalchemy import select

        from app.core.extensions import db
        from feedback.reports import report_code
        from keystore.models import Code

        code_id = db.session.scalar(select(Code.id).where(Code.order_id == order_id))
        db.session.rollback()
        report_id = report_code(db.session, order_id, code_id, "invalid")
        db.session.remove()
        return report_id

    def _waits(self, ids: list[int], seconds: float = 120) -> list[float]:
        from sqlalchemy import select

        from app.core.extensions import db
        from feedback.models import CodeReport

        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            with self.app.app_context():
                rows = db.session.execute(
                    select(CodeReport.status, CodeReport.created_at, CodeReport.resolved_at).where(
                        CodeReport.id.in_(ids)
                    )
                ).all()
                db.session.remove()
            if all(status != "open" for status, _, _ in rows):
                kept = [status for status, _, _ in rows if status != "replaced"]
                if kept:
                    print(f"  not replaced: {kept}")
                return sorted((resolved - created).total_seconds() for status, created, resolved in rows if resolved)
            time.sleep(0.2)
        raise SystemExit("reports still open after two minutes")


def _pay_in_process(app, number: str) -> None:
    """The sandbox's signed "paid" through the shop's own webhook route, before the servers start."""
    from payments.registry import providers

    headers, body = providers()["sandbox"].signed_event({"order": number, "amount": 100, "currency": "USD"}, "paid")
    assert app.test_client().post("/webhooks/sandbox", data=body, headers=headers).status_code == 200


def _print(args, phase: str, waits: list[float]) -> None:
    p99 = waits[min(len(waits) - 1, round(0.99 * (len(waits) - 1)))]
    print(
        f"{args.backend:>10}, {phase}: {len(waits)} reports replaced, report -> replacement "
        f"p50 {statistics.median(waits) * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, max {waits[-1] * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
