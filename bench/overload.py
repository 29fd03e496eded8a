"""No collapse past saturation: keyshop's peak from a ladder of rates, then twice that offered for
20 s. It reports delivered per second against the peak, how fast every webhook was answered, that
each one answered 200 is stored in the inbox, that the backlog drains with nothing lost or sold
twice, and where the cores went during the overload and during the drain.

    BENCH_REDIS_URL=redis://127.0.0.1:6379/3 .venv/bin/python bench/overload.py --backend sqlite
    .venv/bin/python bench/overload.py --backend postgresql --peak 180     # skip the ladder

Delivered per second is measured as bench/pipeline.py measures saturation: orders delivered over
the time from the first webhook due to the last order delivered (so the drain counts), for the
ladder's rates and for the overload alike.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import pipeline  # noqa: E402 - after the path
from bench.databases import ThrowAwayDatabase  # noqa: E402

DRAIN_SECONDS = 240


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--ladder", default="100,150,200,250,300")
    parser.add_argument("--ladder-seconds", type=int, default=10)
    parser.add_argument("--peak", type=float, help="the saturation rate, when known: no ladder")
    parser.add_argument("--factor", type=float, default=2.0)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--senders", type=int, default=64)
    args = parser.parse_args()
    ladder = [] if args.peak else [int(rate) for rate in args.ladder.split(",")]
    orders = sum(ladder) * args.ladder_seconds + int(args.factor * (args.peak or max(ladder)) * args.seconds) + 10
    with tempfile.TemporaryDirectory() as folder, ThrowAwayDatabase(args.backend, Path(folder)) as url:
        env = pipeline.keyshop_environment(Path(folder), url)
        shop = pipeline._KeyshopShop(orders)
        from app.cli.run import gunicorn_argv

        web = gunicorn_argv("127.0.0.1", pipeline.PORT, 2, env["KEYSHOP_DATABASE_URL"])
        worker = [sys.executable, "-m", "app.cli", "worker"]
        with pipeline._processes(env, web, [worker] * args.workers) as processes:
            peak = args.peak or _ladder(shop, args.backend, ladder, args.ladder_seconds)
            _overload(shop, processes.children, args.backend, round(args.factor * peak), peak, args)


def _ladder(shop, backend: str, rates: list[int], seconds: int) -> float:
    for rate in rates:
        due = pipeline._offer(rate, seconds, shop.next_webhooks(rate * seconds), "/webhooks/sandbox")
        pipeline._report("keyshop", backend, rate, seconds, due, shop.delivered_at)
        pipeline._wait_until_sent(shop)
    peak = pipeline.SATURATION["keyshop", backend]
    print(f"peak: {peak:.1f} delivered/s", flush=True)
    return peak


def _overload(shop, children, backend: str, rate: int, peak: float, args) -> None:
    hooks, answers = shop.next_webhooks(rate * args.seconds), {}
    cores = _Cores(children)
    due = pipeline._offer(rate, args.seconds, hooks, "/webhooks/sandbox", answers, args.senders)
    cores.mark("overload")
    delivered = _drained(shop, list(due))
    cores.mark("drain")
    pipeline._wait_until_sent(shop)
    cores.mark("mail")
    first_due = min(due.values())
    span = (max(delivered.values()) - first_due).total_seconds()
    in_window = sum(at <= first_due + timedelta(seconds=args.seconds) for at in delivered.values())
    print(
        f"offered {rate}/s ({args.factor:g} x peak {peak:.1f}/s) for {args.seconds} s: delivered "
        f"{len(delivered) / span:.1f}/s ({len(delivered) / span / peak:.0%} of peak) with the drain, "
        f"{in_window / args.seconds:.1f}/s inside the window; backlog drained {span - args.seconds:.1f} s "
        f"after the window",
        flush=True,
    )
    _print_answers(answers)
    _print_checks(shop, hooks, answers, delivered)
    cores.print()


def _drained(shop, order_ids: list[int]) -> dict[int, datetime]:
    deadline = time.monotonic() + DRAIN_SECONDS
    while len(delivered := shop.delivered_at(order_ids)) < len(order_ids) and time.monotonic() < deadline:
        time.sleep(0.5)
    return delivered


def _print_answers(answers: dict[int, tuple[int, float, float]]) -> None:
    for name, index in (("from due", 1), ("from send", 2)):
        times = sorted(1000 * answer[index] for answer in answers.values())
        p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
        print(
            f"  webhook answered, ms {name}: p50={times[len(times) // 2]:.1f} p99={p99:.1f} max={times[-1]:.1f}, "
            f"over 1 s: {sum(t > 1000 for t in times)}",
            flush=True,
        )


def _print_checks(shop, hooks, answers, delivered) -> None:
    """Every webhook answered 200 has its inbox row; every order is delivered with one code of its
    own; no code went to two orders."""
    from sqlalchemy import func, select

    from app.core.extensions import db
    from keystore.models import Code
    from payments.models import WebhookEvent

    order_ids = [order_id for order_id, _, _ in hooks]
    accepted = [order_id for order_id, (status, _, _) in answers.items() if status == 200]
    with shop.app.app_context():
        stored = db.session.scalar(select(func.count()).where(WebhookEvent.order_id.in_(accepted)))
        codes = db.session.execute(
            select(func.count(), func.count(func.distinct(Code.order_id))).where(Code.order_id.in_(order_ids))
        ).one()
        db.session.remove()
    print(
        f"  answered 200: {len(accepted)} of {len(hooks)}; in the inbox: {stored}; delivered: {len(delivered)}; "
        f"lost: {len(order_ids) - len(delivered)}; codes given: {codes[0]} to {codes[1]} orders; "
        f"mail still owed: {shop.unsent_mail()}",
        flush=True,
    )


class _Cores:
    """CPU seconds per wall second of the web processes, the workers, this sender and the whole
    machine, phase by phase."""

    def __init__(self, children):
        self.web, self.workers = children[0].pid, [child.pid for child in children[1:]]
        self.samples = [("start", time.monotonic(), self._sample())]

    def _sample(self) -> tuple[float, ...]:
        sender = os.times()
        busy, _ = pipeline._machine_busy_and_total()
        workers = sum(map(pipeline._tree_cpu, self.workers))
        return pipeline._tree_cpu(self.web), workers, sender.user + sender.system, busy

    def mark(self, phase: str) -> None:
        self.samples.append((phase, time.monotonic(), self._sample()))

    def print(self) -> None:
        for (_, start, before), (phase, end, after) in zip(self.samples, self.samples[1:]):
            used = [(a - b) / (end - start) for a, b in zip(after, before)]
            print(
                f"  cores in use during the {phase} ({end - start:.1f} s): web {used[0]:.2f}, workers {used[1]:.2f}, "
                f"sender {used[2]:.2f}, whole machine {used[3]:.2f} of {os.cpu_count()}",
                flush=True,
            )


if __name__ == "__main__":
    main()
