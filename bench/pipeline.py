"""Signed webhooks at a fixed offered load against `keyshop web` + `keyshop worker` (one process per
core, as docs/deploy.md advises), beside the bare reference pipeline (bench/bare_pipeline.py) run
the same way.

    .venv/bin/python bench/pipeline.py          # both backends, 20/50/100/200/300/400 per s, 20 s each
    .venv/bin/python bench/pipeline.py --backend sqlite --rates 100 --seconds 10 --pipelines bare

Open loop: webhook i is due at start + i/rate whatever happened to the others, sent from 32
threads. Latency = the order's delivered_at minus the moment its webhook was due. After each rate
the run waits (up to 30 s) for the backlog to drain and counts what was never delivered. 300 and
400 per second are offered too, beyond the issue's four rates, so that the bare pipeline saturates:
each pipeline's saturation is the most it delivered per second at any rate, and the run ends with
keyshop's as a fraction of the bare pipeline's.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.databases import ThrowAwayDatabase, keyshop_url  # noqa: E402 - after the path

REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")  # flushed: give it a database of its own
PORT = int(os.environ.get("BENCH_PORT", "5097"))  # another port for a second benchmark at once
SATURATION: dict[tuple[str, str], float] = {}  # (pipeline, backend) -> the most delivered per second
# 60 s by default, beyond a 10-20 s run's backlog; the shop's own default (30) shows the sweeper's part
SWEEP_AFTER = os.environ.get("BENCH_SWEEP_AFTER", "60")
LAST_RATE: dict[str, float] = {}  # the last rate's delivered/s, p50, p99 (bench/growth.py reads it)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--rates", default="20,50,100,200,300,400")
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--pipelines", default="keyshop,bare")
    parser.add_argument("--workers", type=int, default=2, help="worker processes of each pipeline (one per core)")
    args = parser.parse_args()
    rates = [int(rate) for rate in args.rates.split(",")]
    chosen = [{"keyshop": run_keyshop, "bare": run_bare}[name] for name in args.pipelines.split(",")]
    for backend in ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]:
        for pipeline in chosen:
            with tempfile.TemporaryDirectory() as folder, ThrowAwayDatabase(backend, Path(folder)) as url:
                pipeline(backend, url, Path(folder), rates, args.seconds, args.workers)
    for backend in sorted({backend for _, backend in SATURATION}):
        keyshop, bare = SATURATION.get(("keyshop", backend)), SATURATION.get(("bare", backend))
        if keyshop and bare:
            print(f"{backend:>10} saturation: keyshop {keyshop:.1f}/s, bare {bare:.1f}/s, ratio {keyshop / bare:.2f}")


def keyshop_environment(folder: Path, url: str) -> dict[str, str]:
    """What a benchmark's keyshop processes are started with (and this process's shop uses)."""
    env = {
        "KEYSHOP_INSTANCE": str(folder / "instance"),
        "KEYSHOP_SANDBOX": "1",
        "KEYSHOP_REDIS_URL": REDIS_URL,
        "KEYSHOP_BASE_URL": f"http://127.0.0.1:{PORT}",
        "KEYSHOP_SWEEP_AFTER": SWEEP_AFTER,
        "KEYSHOP_DATABASE_URL": keyshop_url(url),
    }
    os.environ.update(env)
    return env


def run_keyshop(backend: str, url: str, folder: Path, rates: list[int], seconds: int, workers: int) -> None:
    env = keyshop_environment(folder, url)
    shop = _KeyshopShop(sum(rates) * seconds)
    from app.cli.run import gunicorn_argv

    web = gunicorn_argv("127.0.0.1", PORT, 2, env["KEYSHOP_DATABASE_URL"])  # as `keyshop web` runs it
    with _processes(env, web, [[sys.executable, "-m", "app.cli", "worker"]] * workers) as processes:
        for rate in rates:
            hooks = shop.next_webhooks(rate * seconds)
            with _CpuPerOrder(processes.children) as cpu:
                due = _offer(rate, seconds, hooks, "/webhooks/sandbox")
                cpu.orders = _report("keyshop", backend, rate, seconds, due, shop.delivered_at)
                _wait_until_sent(shop)  # mail left for later is part of the cost
            _report_mail(shop.mail_sent_at(list(due)), due)


class _KeyshopShop:
    def __init__(self, orders: int, prepare=None):
        """`orders` codes in stock; `prepare(app, product_id)`, inside the app context, shapes the
        shop further before the run (bench/growth.py fills it)."""
        from app import create_app
        from app.cli.setup import upgrade_database
        from app.core.extensions import db
        from app.core.products import create_product
        from keystore.importer import import_codes

        self.app = create_app()
        self.app.extensions["keyshop.redis"].flushdb()
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
            if prepare is not None:
                prepare(self.app, product.id)
            db.session.remove()

    def next_webhooks(self, count: int) -> list[tuple[int, dict, bytes]]:
        from app.core.extensions import db
        from payments.checkout import CheckoutChoice, place_order
        from payments.registry import providers

        with self.app.app_context():
            sandbox, choice = providers()["sandbox"], CheckoutChoice("bench", 1, "b@example.com", "sandbox")
            placed = [place_order(db.session, choice, providers(), "http://bench") for _ in range(count)]
            db.session.remove()
        return [
            (p.order_id, *sandbox.signed_event({"order": p.number, "amount": 100, "currency": "USD"}, "paid"))
            for p in placed
        ]

    def unsent_mail(self) -> int:
        from sqlalchemy import func, select

        from app.core.extensions import db
        from delivery.mail.log import MailLog

        with self.app.app_context():
            count = db.session.scalar(select(func.count()).where(MailLog.status.in_(("pending", "sending"))))
            db.session.remove()
        return count

    def mail_sent_at(self, order_ids: list[int]) -> dict[int, datetime]:
        """When each order's delivery mail was sent (the moment it left for the mail server)."""
        from sqlalchemy import select

        from app.core.extensions import db
        from delivery.mail.log import MailLog

        with self.app.app_context():
            rows = db.session.execute(
                select(MailLog.order_id, MailLog.sent_at).where(
                    MailLog.order_id.in_(order_ids), MailLog.kind == "delivered", MailLog.sent_at.is_not(None)
                )
            ).all()
            db.session.remove()
        return dict(rows)

    def delivered_at(self, order_ids: list[int]) -> dict[int, datetime]:
        from sqlalchemy import select

        from app.core.extensions import db
        from app.core.models import Order

        with self.app.app_context():
            rows = db.session.execute(
                select(Order.id, Order.delivered_at).where(Order.id.in_(order_ids), Order.delivered_at.is_not(None))
            ).all()
            db.session.remove()
        return dict(rows)


def run_bare(backend: str, url: str, folder: Path, rates: list[int], seconds: int, workers: int) -> None:
    from bench import bare_pipeline

    env = {"BARE_DATABASE": url, "BARE_REDIS_URL": REDIS_URL}
    os.environ.update(env)
    bare_pipeline.setup(url, sum(rates) * seconds)
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    web = [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        f"127.0.0.1:{PORT}",
        "--workers",
        "2",
        "--log-level",
        "warning",
        "bench.bare_pipeline:app",
    ]
    next_id = iter(range(1, 10**9))
    with _processes(
        env, web, [[sys.executable, "-m", "bench.bare_pipeline", "worker"]] * workers, health=None
    ) as processes:
        for rate in rates:
            hooks = [
                (order_id, {}, str(order_id).encode()) for order_id in (next(next_id) for _ in range(rate * seconds))
            ]
            with _CpuPerOrder(processes.children) as cpu:
                due = _offer(rate, seconds, hooks, "/hook")
                cpu.orders = _report(
                    "bare", backend, rate, seconds, due, lambda ids: _bare_delivered(bare_pipeline, ids)
                )


def _bare_delivered(bare_pipeline, order_ids: list[int]) -> dict[int, datetime]:
    conn = bare_pipeline.connect()
    rows = conn.execute("SELECT order_id, delivered_at FROM bare_codes WHERE order_id IS NOT NULL").fetchall()
    bare_pipeline._commit(conn)
    wanted = set(order_ids)
    return {order_id: _as_datetime(at) for order_id, at in rows if order_id in wanted}


def _as_datetime(value) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def _offer(
    rate: int,
    seconds: int,
    hooks: list[tuple[int, dict, bytes]],
    path: str,
    answers: dict[int, tuple[int, float, float]] | None = None,
    senders: int = 32,
) -> dict[int, datetime]:
    """Send each webhook at its scheduled moment; returns the moment each was due. Latency counts
    from then, not from when a sender thread got to it: a web server that falls behind and keeps
    the senders waiting shows in the figures instead of slowing the offered load down. `answers`,
    when given, gets each webhook's HTTP status and seconds from its due moment and from its send
    to the answer (bench/overload.py)."""
    due: dict[int, datetime] = {}
    session = requests.Session()
    session.mount("http://", requests.adapters.HTTPAdapter(pool_maxsize=senders))

    def send(hook, due_at: float):
        order_id, headers, body = hook
        sent = time.monotonic()
        try:
            status = session.post(f"http://127.0.0.1:{PORT}{path}", data=body, headers=headers, timeout=30).status_code
        except requests.RequestException:
            status = 0
        if answers is not None:
            answered = time.monotonic()
            answers[order_id] = (status, answered - due_at, answered - sent)

    start, wall_start = time.monotonic(), datetime.now(UTC).replace(tzinfo=None)
    with ThreadPoolExecutor(max_workers=senders) as pool:
        for index, hook in enumerate(hooks):
            delay = start + index / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            due[hook[0]] = wall_start + timedelta(seconds=index / rate)
            pool.submit(send, hook, start + index / rate)
    return due


def _wait_until_sent(shop: _KeyshopShop, seconds: float = 60) -> None:
    """Until no job is queued and no mail is owed or being sent (the queues alone empty out while
    the last drain job is still sending)."""
    import redis

    connection, deadline = redis.Redis.from_url(REDIS_URL), time.monotonic() + seconds
    while time.monotonic() < deadline and (
        any(connection.llen(f"rq:queue:{name}") for name in ("delivery", "notify")) or shop.unsent_mail()
    ):
        time.sleep(0.2)


def _report_mail(sent: dict[int, datetime], due: dict[int, datetime]) -> None:
    """From the webhook's due moment to the delivery mail recorded as sent: what a buyer waits for the mail."""
    latencies = sorted((sent[order_id] - due[order_id]).total_seconds() * 1000 for order_id in sent)
    if latencies:
        p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
        print(
            f"{'':>7} {'':>10} mail sent {len(sent)} of {len(due)}, ms p50={statistics.median(latencies):.1f} "
            f"p99={p99:.1f} max={latencies[-1]:.1f}",
            flush=True,
        )


class _CpuPerOrder:
    """CPU time (user + system) per delivered order of the web processes (gunicorn's master and
    workers), the worker processes and this sender, from /proc: where a saturated run spends its cores."""

    def __init__(self, children: list[subprocess.Popen]):
        self.web, self.workers = children[0].pid, [child.pid for child in children[1:]]
        self.orders = 0
        self.figures: dict[str, float] = {}

    def _sample(self) -> tuple[float, float, float, float, float]:
        sender = os.times()
        return (
            _tree_cpu(self.web),
            sum(map(_tree_cpu, self.workers)),
            sender.user + sender.system,
            *_machine_busy_and_total(),
        )

    def __enter__(self):
        self.before = self._sample()
        return self

    def __exit__(self, *exc) -> None:
        if exc[0] is None and self.orders:
            web, worker, sender, busy, total = (after - before for after, before in zip(self._sample(), self.before))
            web, worker, sender, machine = (1000 * cpu / self.orders for cpu in (web, worker, sender, busy))
            self.figures = {"web": web, "worker": worker, "sender": sender, "machine": machine, "busy": busy / total}
            print(
                f"{'':>7} {'':>10} cpu ms per order: web {web:.1f}, worker {worker:.1f}, sender {sender:.1f}, "
                f"whole machine {machine:.1f} (busy {100 * busy / total:.0f}% of {os.cpu_count()} cores)",
                flush=True,
            )


def _machine_busy_and_total() -> tuple[float, float]:
    """CPU seconds all cores spent busy (databases, Redis and the kernel included) and in all."""
    with open("/proc/stat") as stat:
        ticks = [int(value) for value in stat.readline().split()[1:]]
    idle = ticks[3] + ticks[4]  # idle, iowait
    return (sum(ticks) - idle) / os.sysconf("SC_CLK_TCK"), sum(ticks) / os.sysconf("SC_CLK_TCK")


def _tree_cpu(pid: int) -> float:
    """Seconds of CPU used so far by a process and its living descendants."""
    ticks = os.sysconf("SC_CLK_TCK")
    total, parents = 0.0, {pid}
    stats = {}
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        stats[int(entry)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / ticks)
    while parents:
        total += sum(stats[p][1] for p in parents if p in stats)
        parents = {child for child, (parent, _) in stats.items() if parent in parents}
    return total


def _report(pipeline: str, backend: str, rate: int, seconds: int, due: dict[int, datetime], delivered_of) -> int:
    deadline = time.monotonic() + 30
    while len(delivered := delivered_of(list(due))) < len(due) and time.monotonic() < deadline:
        time.sleep(0.5)
    latencies = sorted((delivered[order_id] - due[order_id]).total_seconds() * 1000 for order_id in delivered)
    if not latencies:
        print(f"{pipeline:>7} {backend:>10} offered {rate:>3}/s: nothing delivered")
        return 0
    span = (max(delivered.values()) - min(due.values())).total_seconds()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    rate_delivered = len(delivered) / span
    SATURATION[pipeline, backend] = max(SATURATION.get((pipeline, backend), 0.0), rate_delivered)
    LAST_RATE.update(
        delivered=rate_delivered, p50=statistics.median(latencies), p99=p99, dropped=len(due) - len(delivered)
    )
    print(
        f"{pipeline:>7} {backend:>10} offered {rate:>3}/s for {seconds} s: delivered {rate_delivered:6.1f}/s, "
        f"dropped {len(due) - len(delivered)}, ms p50={statistics.median(latencies):.1f} p99={p99:.1f} "
        f"max={latencies[-1]:.1f}",
        flush=True,
    )
    return len(delivered)


class _processes:
    def __init__(self, env: dict, web: list[str], workers: list[list[str]], health: str | None = "/healthz"):
        self.env, self.argvs, self.health = {**os.environ, **env}, [web, *workers], health

    def __enter__(self):
        self.children = [
            subprocess.Popen(argv, env=self.env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for argv in self.argvs
        ]
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                requests.get(f"http://127.0.0.1:{PORT}{self.health or '/'}", timeout=1)
                time.sleep(1)  # let the worker subscribe
                return self
            except requests.RequestException:
                time.sleep(0.1)
        raise SystemExit("the web server did not start")

    def __exit__(self, *exc):
        for child in self.children:
            child.terminate()
        for child in self.children:
            try:
                child.wait(timeout=30)
            except subprocess.TimeoutExpired:  # an overloaded machine: gunicorn still finishing requests
                child.kill()
                child.wait()


if __name__ == "__main__":
    main()
