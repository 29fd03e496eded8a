"""A flash sale (issue 21, goal 4): the product page, the home page and a delivered order's page,
each driven as fast as the shop answers it, against `keyshop serve`; then each again while the
shop delivers paid orders at a fixed rate (100/s), with the paid orders' webhook-to-code-readable
latency. Before the shop, a bare Flask page on the same gunicorn shows the client's own ceiling.

    BENCH_REDIS_URL=redis://127.0.0.1:6379/2 .venv/bin/python bench/flash_sale.py --backend sqlite
    BENCH_REDIS_URL=redis://127.0.0.1:6379/2 .venv/bin/python bench/flash_sale.py --backend postgresql --rate 100

Client: bench/http_load.py, closed loop, --processes x --connections sockets (default 2 x 4 = 8
at once, as the issue's ab runs), plain GETs with no cookies (a first visit each time). The shop
is the demo shop (`keyshop serve --demo`'s products) plus a product "bench" with a code per paid
order; the order page is a delivered demo order's. Each figure line carries the load average.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import pipeline  # noqa: E402
from bench.databases import ThrowAwayDatabase, keyshop_url  # noqa: E402 - after the path
from bench.http_load import drive  # noqa: E402
from bench.pipeline import _KeyshopShop, _offer, _processes  # noqa: E402

REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")  # flushed: give it a database of its own
PORT = 5197  # not the other benchmarks' ports: they may run on the same machine
pipeline.PORT = PORT  # where bench.pipeline's _offer sends the webhooks and _processes waits
PAGE_SLUG = "steam-wallet-20"
_ERRORS_SEEN: list[int] = []  # the failed requests of every run: serve's log is printed when any


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--seconds", type=float, default=10, help="per page and phase")
    parser.add_argument("--processes", type=int, default=2, help="client processes")
    parser.add_argument("--connections", type=int, default=4, help="sockets per client process")
    parser.add_argument("--rate", type=int, default=100, help="paid orders per second in the second phase (0: none)")
    parser.add_argument("--pages", default="product,home,order")
    parser.add_argument("--no-bare", action="store_true", help="skip the bare page")
    args = parser.parse_args()
    if not args.no_bare:
        _bare(args)
    with tempfile.TemporaryDirectory() as folder, ThrowAwayDatabase(args.backend, Path(folder)) as url:
        os.environ.update(_env(Path(folder), keyshop_url(url)))
        shop = _FlashShop(int(3 * args.rate * args.seconds) + 10)
        paths = {"product": f"/p/{PAGE_SLUG}", "home": "/", "order": f"/o/{shop.order_token}"}
        serve = [sys.executable, "-m", "app.cli", "serve", "--host", "127.0.0.1", "--port", str(PORT)]
        with _Serving(serve, Path(folder) / "serve.log"):
            for name in args.pages.split(","):
                _page(args, name, paths[name])
            for name in args.pages.split(",") if args.rate else []:
                _page_during_sales(args, shop, name, paths[name])


def _env(folder: Path, database_url: str) -> dict:
    return {
        "KEYSHOP_INSTANCE": str(folder / "instance"),
        "KEYSHOP_SANDBOX": "1",
        "KEYSHOP_REDIS_URL": REDIS_URL,
        "KEYSHOP_BASE_URL": f"http://127.0.0.1:{PORT}",
        "KEYSHOP_SWEEP_AFTER": "60",
        "KEYSHOP_DATABASE_URL": database_url,
    }


def _bare(args) -> None:
    web = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{PORT}", "--workers", "2"]
    with _processes({}, [*web, "--log-level", "warning", "bench.bare_page:app"], [], health=None):
        _print(args, "bare page", drive(PORT, ["/"], args.seconds, args.processes, args.connections))


def _page(args, name: str, path: str) -> None:
    _print(args, f"{name} page", drive(PORT, [path], args.seconds, args.processes, args.connections))


def _page_during_sales(args, shop: _FlashShop, name: str, path: str) -> None:
    hooks = shop.next_webhooks(int(args.rate * args.seconds))
    due: dict = {}
    sales = threading.Thread(
        target=lambda: due.update(_offer(args.rate, int(args.seconds), hooks, "/webhooks/sandbox"))
    )
    sales.start()
    load = drive(PORT, [path], args.seconds, args.processes, args.connections)
    sales.join()
    _print(args, f"{name} page + {args.rate} paid orders/s", load)
    time.sleep(3)  # the last orders' delivery
    delivered = shop.delivered_at(list(due))
    waits = sorted((delivered[order_id] - due[order_id]).total_seconds() * 1000 for order_id in delivered)
    p99 = waits[min(len(waits) - 1, int(0.99 * len(waits)))] if waits else float("nan")
    median = waits[len(waits) // 2] if waits else float("nan")
    print(
        f"    paid orders: {len(delivered)} of {len(due)} delivered, webhook -> code readable p50 {median:.0f} ms, p99 {p99:.0f} ms",
        flush=True,
    )


class _Serving:
    """`keyshop serve`, its output in a log (where a page's 500 shows), stopped as Ctrl-C stops it."""

    def __init__(self, argv: list[str], log: Path):
        self.argv, self.log = argv, log

    def __enter__(self):
        self.child = subprocess.Popen(
            self.argv,
            cwd=ROOT,
            stdout=self.log.open("wb"),
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and self.child.poll() is None:
            try:
                if requests.get(f"http://127.0.0.1:{PORT}/healthz", timeout=2).status_code == 200:
                    time.sleep(2)  # the workers start after the web answers
                    return self
            except requests.RequestException:
                time.sleep(0.2)
        self.__exit__()
        raise SystemExit(f"keyshop serve did not answer; see {self.log}")

    def __exit__(self, *exc) -> None:
        self.child.send_signal(signal.SIGINT)
        try:
            self.child.wait(timeout=60)  # serve gives its children 10 s, on a machine that may be busy
        except subprocess.TimeoutExpired:
            self.child.kill()
            self.child.wait()
        if exc and exc[0] is not None or _ERRORS_SEEN:
            print(self.log.read_text()[-4000:])


class _FlashShop(_KeyshopShop):
    """bench.pipeline's shop (product "bench", a code per paid order), dressed as the demo shop, and
    one delivered demo order for the order page."""

    def __init__(self, orders: int):
        from app import create_app
        from app.cli.setup import seed_demo, upgrade_database
        from app.core.extensions import db

        app = create_app()
        with app.app_context():
            upgrade_database()
            seed_demo()
            db.session.remove()
        super().__init__(orders)
        self.order_token = self._delivered_order()

    def _delivered_order(self) -> str:
        from app.core.extensions import db
        from delivery.fulfil import fulfil
        from payments.checkout import CheckoutChoice, place_order
        from payments.registry import providers

        with self.app.app_context():
            placed = place_order(
                db.session, CheckoutChoice(PAGE_SLUG, 1, "buyer@example.com", "sandbox"), providers(), "http://bench"
            )
            sandbox = providers()["sandbox"]
            amount, currency = _amount_of(placed.order_id)
            headers, body = sandbox.signed_event(
                {"order": placed.number, "amount": amount, "currency": currency}, "paid"
            )
            assert self.app.test_client().post("/webhooks/sandbox", data=body, headers=headers).status_code == 200
            assert fulfil(db.session, placed.order_id) in ("delivered", "skipped")
            db.session.remove()
        return placed.token


def _amount_of(order_id: int) -> tuple[int, str]:
    from app.core.extensions import db
    from app.core.models import Order

    order = db.session.get(Order, order_id)
    amount = (order.amount_minor, order.currency)
    db.session.rollback()
    return amount


def _print(args, what: str, load) -> None:
    if load.errors:
        _ERRORS_SEEN.append(load.errors)
    one, five, _ = os.getloadavg()
    clients = f"{args.processes}x{args.connections} connections"
    print(f"{args.backend:>10} {what:<38} {load.summary()}  [{clients}, load {one:.2f}/{five:.2f}]", flush=True)


if __name__ == "__main__":
    main()
