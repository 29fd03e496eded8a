"""Epay callbacks against `keyshop serve`, shaped like the peer comparison of issue 21: pre-created
orders, 16 client threads sending signed Epay notifies as fast as the shop answers them for 20 s,
and every code read back through the shop's API (`GET /api/v1/orders/<token>`).

    BENCH_REDIS_URL=redis://127.0.0.1:6379/3 .venv/bin/python bench/callbacks.py            # both backends
    .venv/bin/python bench/callbacks.py --backend sqlite --seconds 10 --workers 1          # serve's --workers

The benchmark starts `keyshop serve` itself on loopback (its default shape unless --workers is
given) and a loopback Epay gateway (bench/epay_gateway.py) that answers the order query each notify
makes (payments/epay.py reads a success back from the gateway before it pays). Senders do not wait
for the code: a notify answered, the next is sent. Reader threads take the answered orders oldest first
and poll each until its code is readable (backing off from 1 to 32 ms between polls). It prints the notifies accepted per second, the codes
delivered per second inside the window (by the order's delivered_at) and counting the drain
afterwards, the codes sold twice among those read back, notify-to-code-readable median and p99,
the CPU per code of each part (as bench/pipeline.py does), and the load average before the run.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.databases import ThrowAwayDatabase, keyshop_url  # noqa: E402 - after the path
from bench.pipeline import _machine_busy_and_total, _tree_cpu  # noqa: E402

REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")  # flushed: give it a database of its own
PORT, GATEWAY_PORT = 5098, 5099
PID, KEY = "1001", "bench-merchant-key"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--threads", type=int, default=16, help="notify senders")
    parser.add_argument("--readers", type=int, default=2, help="threads reading the codes back")
    parser.add_argument("--orders", type=int, default=8000, help="pre-created (the senders stop when they run out)")
    parser.add_argument("--workers", type=int, help="passed to `keyshop serve --workers` (default: serve's own)")
    parser.add_argument("--drain", type=float, default=60, help="seconds to wait for the backlog afterwards")
    args = parser.parse_args()
    for backend in ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]:
        with tempfile.TemporaryDirectory() as folder, ThrowAwayDatabase(backend, Path(folder)) as url:
            run(backend, keyshop_url(url), Path(folder), args)


def run(backend: str, url: str, folder: Path, args) -> None:
    env = {
        "KEYSHOP_INSTANCE": str(folder / "instance"),
        "KEYSHOP_REDIS_URL": REDIS_URL,
        "KEYSHOP_BASE_URL": f"http://127.0.0.1:{PORT}",
        "KEYSHOP_DATABASE_URL": url,
        "EPAY_URL": f"http://127.0.0.1:{GATEWAY_PORT}",
        "EPAY_PID": PID,
        "EPAY_KEY": KEY,
    }
    os.environ.update(env)
    shop = _Shop(args.orders)
    paid_file = folder / "paid.json"
    paid_file.write_text(json.dumps({order.number: order.notify for order in shop.orders}))
    load = os.getloadavg()
    serve = [sys.executable, "-m", "app.cli", "serve", "--host", "127.0.0.1", "--port", str(PORT)]
    gateway = [sys.executable, str(ROOT / "bench" / "epay_gateway.py"), str(GATEWAY_PORT), PID, KEY, str(paid_file)]
    with _Started(gateway, serve + (["--workers", str(args.workers)] if args.workers else [])) as started:
        cpu = _Cpu(started.serve_pid, started.gateway_pid)
        window = _Window(shop.orders, args.threads, args.readers, args.seconds, args.drain).run()
        used = cpu.used()
    _report(backend, args, started.workers, window, shop.delivered_at(window.sent), used, load)


class _Order:
    __slots__ = ("id", "number", "token", "notify", "sent", "accepted", "readable", "codes")

    def __init__(self, order_id: int, number: str, token: str, notify: dict):
        self.id, self.number, self.token, self.notify = order_id, number, token, notify
        self.sent = self.readable = 0.0
        self.accepted = False
        self.codes: list[str] = []


class _Shop:
    """A product in CNY with a code per order, and the orders, placed for Epay before the run."""

    def __init__(self, orders: int):
        from app import create_app
        from app.cli.setup import upgrade_database
        from app.core.extensions import db
        from app.core.products import create_product
        from keystore.importer import import_codes

        self.app = create_app()
        self.app.extensions["keyshop.redis"].flushdb()
        with self.app.app_context():
            upgrade_database()
            product = create_product(db.session, slug="bench", name="Bench", price="1.00", currency="CNY")
            codes = [(n, f"BENCH-{n:08d}") for n in range(1, orders + 1)]
            import_codes(
                db.session, self.app.extensions["keyshop.keyring"], product.id, codes, name="bench", source="b"
            )
            self.orders = [self._place(n) for n in range(orders)]
            db.session.remove()

    def _place(self, n: int) -> _Order:
        from app.core.extensions import db
        from payments.checkout import CheckoutChoice, place_order
        from payments.epay import sign
        from payments.registry import providers

        placed = place_order(db.session, CheckoutChoice("bench", 1, "b@example.com", "epay"), providers(), "http://b")
        notify = {
            "pid": PID,
            "trade_no": f"2026{n:012d}",
            "out_trade_no": placed.number,
            "type": "alipay",
            "name": "Bench",
            "money": "1.00",
            "trade_status": "TRADE_SUCCESS",
        }
        notify.update(sign=sign(notify, KEY), sign_type="MD5")
        return _Order(placed.order_id, placed.number, placed.token, notify)

    def delivered_at(self, orders: list[_Order]) -> list[datetime]:
        from sqlalchemy import select

        from app.core.extensions import db
        from app.core.models import Order

        ids = [order.id for order in orders]
        with self.app.app_context():
            found = [
                at
                for start in range(0, len(ids), 5000)
                for at in db.session.scalars(
                    select(Order.delivered_at).where(
                        Order.id.in_(ids[start : start + 5000]), Order.delivered_at.is_not(None)
                    )
                )
            ]
            db.session.remove()
        return found


class _Window:
    """Senders for `seconds`, readers until every accepted notify's code is read or `drain` is over."""

    def __init__(self, orders: list[_Order], senders: int, readers: int, seconds: float, drain: float):
        self.orders, self.senders, self.readers = iter(orders), senders, readers
        self.seconds, self.drain = seconds, drain
        self.lock, self.sent, self.to_read = threading.Lock(), [], queue.Queue()

    def run(self) -> _Window:
        self.start_wall = datetime.now(UTC).replace(tzinfo=None)
        self.start = time.monotonic()
        self.end, self.give_up = self.start + self.seconds, self.start + self.seconds + self.drain
        senders = [threading.Thread(target=self._send) for _ in range(self.senders)]
        readers = [threading.Thread(target=self._read) for _ in range(self.readers)]
        for thread in senders + readers:
            thread.start()
        for thread in senders:
            thread.join()
        for _ in readers:
            self.to_read.put(None)
        for thread in readers:
            thread.join()
        return self

    def _next(self) -> _Order | None:
        with self.lock:
            order = next(self.orders, None)
            if order is not None:
                self.sent.append(order)
            return order

    def _send(self) -> None:
        session = requests.Session()
        while time.monotonic() < self.end and (order := self._next()) is not None:
            order.sent = time.monotonic()
            answer = session.get(f"http://127.0.0.1:{PORT}/webhooks/epay?{urlencode(order.notify)}", timeout=30)
            order.accepted = answer.status_code == 200 and answer.text == "success"
            if order.accepted:
                self.to_read.put(order)

    def _read(self) -> None:
        """Polls back off from 1 ms to 32 ms: a reader polling flat out would take the web's processes
        from the senders (on SQLite `serve` runs two, of one thread each)."""
        session = requests.Session()
        while (order := self.to_read.get()) is not None:
            pause = 0.001
            while time.monotonic() < self.give_up:
                body = session.get(f"http://127.0.0.1:{PORT}/api/v1/orders/{order.token}", timeout=30).json()
                if body.get("codes"):
                    order.readable, order.codes = time.monotonic(), body["codes"]
                    break
                time.sleep(pause)
                pause = min(2 * pause, 0.032)


class _Started:
    """The gateway, then `keyshop serve`; both stopped (serve with Ctrl-C, as a person would) on exit."""

    def __init__(self, gateway: list[str], serve: list[str]):
        self.argvs = gateway, serve

    def __enter__(self) -> _Started:
        log = open(os.environ["KEYSHOP_INSTANCE"] + "/serve.log", "wb")
        self.children = [subprocess.Popen(argv, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT) for argv in self.argvs]
        self.gateway_pid, self.serve_pid = (child.pid for child in self.children)
        _wait_for(f"http://127.0.0.1:{PORT}/healthz")
        time.sleep(2)  # the workers start after the web answers
        self.workers = sum(_cmdline(pid)[1:4] == ["-m", "app.cli", "worker"] for pid in _children(self.serve_pid))
        return self

    def __exit__(self, *exc) -> None:
        import signal

        for child in reversed(self.children):
            child.send_signal(signal.SIGINT if child.pid == self.serve_pid else signal.SIGTERM)
            child.wait(timeout=30)


def _wait_for(url: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise SystemExit(f"{url} never answered")


def _children(pid: int) -> list[int]:
    found = []
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{entry}/stat") as stat:
                if int(stat.read().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry))
        except OSError:
            continue
    return found


def _cmdline(pid: int) -> list[str]:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            return cmdline.read().decode().split("\0")
    except OSError:
        return []


class _Cpu:
    """CPU seconds of the web (gunicorn), the workers, the clients (this process and the gateway)
    and the whole machine, from the start of the window to `used()`."""

    def __init__(self, serve_pid: int, gateway_pid: int):
        children = _children(serve_pid)
        self.web = [pid for pid in children if "gunicorn" in _cmdline(pid)]
        self.workers = [pid for pid in children if pid not in self.web]
        self.gateway_pid = gateway_pid
        self.before = self._sample()

    def _sample(self) -> list[float]:
        clients = os.times()
        return [
            sum(map(_tree_cpu, self.web)),
            sum(map(_tree_cpu, self.workers)),
            clients.user + clients.system + _tree_cpu(self.gateway_pid),
            *_machine_busy_and_total(),
        ]

    def used(self) -> list[float]:
        return [after - before for after, before in zip(self._sample(), self.before)]


def _report(backend: str, args, workers: int, window: _Window, delivered: list[datetime], cpu, load) -> None:
    accepted = [order for order in window.sent if order.accepted]
    read = [order for order in accepted if order.readable]
    end_wall = window.start_wall.timestamp() + args.seconds
    inside = sum(at.replace(tzinfo=UTC).timestamp() <= end_wall for at in delivered)
    drained = max((at for at in delivered), default=window.start_wall) - window.start_wall
    twice = sum(count - 1 for count in Counter(code for order in read for code in order.codes).values() if count > 1)
    latencies = sorted(1000 * (order.readable - order.sent) for order in read)
    p50, p99 = (statistics.median(latencies), latencies[int(len(latencies) * 0.99)]) if latencies else (0, 0)
    web, worker, clients, busy, total = (1000 * seconds / max(1, len(delivered)) for seconds in cpu)
    print(
        f"{backend:>10}, {workers} workers, {args.threads} threads for {args.seconds:g} s (load {load[0]:.2f} "
        f"{load[1]:.2f} {load[2]:.2f}): notifies accepted {len(accepted)} ({len(accepted) / args.seconds:.1f}/s), "
        f"refused {len(window.sent) - len(accepted)}\n"
        f"{'':>12}codes delivered inside the window {inside / args.seconds:.1f}/s, with the drain "
        f"{len(delivered)} in {drained.total_seconds():.1f} s ({len(delivered) / max(drained.total_seconds(), 1e-9):.1f}/s); "
        f"read back {len(read)}, sold twice {twice}; notify-to-code-readable ms p50={p50:.1f} p99={p99:.1f}\n"
        f"{'':>12}cpu ms per code: web {web:.1f}, workers {worker:.1f}, clients and gateway {clients:.1f}, "
        f"whole machine {busy:.1f} (busy {100 * busy / total:.0f}% of {os.cpu_count()} cores)",
        flush=True,
    )


if __name__ == "__main__":
    main()
