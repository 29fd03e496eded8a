"""In-process cost of the storefront pages: CPU ms and SQL statements per request, Flask's test
client on the demo shop (bench/flash_sale.py's shop, with a delivered demo order), no network.

    BENCH_REDIS_URL=redis://127.0.0.1:6379/2 .venv/bin/python bench/page_cpu.py --backend sqlite
    BENCH_REDIS_URL=redis://127.0.0.1:6379/2 .venv/bin/python bench/page_cpu.py --profile order

Each request is a first visit (no cookies), as bench/http_load.py's. CPU is this process's
(resource.getrusage), so a loaded machine slows the figure less than wall time would.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import resource
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import event

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import flash_sale  # noqa: E402 - after the path
from bench.databases import ThrowAwayDatabase, keyshop_url  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--requests", type=int, default=300, help="per page")
    parser.add_argument("--pages", default="product,home,order")
    parser.add_argument("--profile", default="", help="a page to profile with cProfile (CPU clock)")
    parser.add_argument("--ablate", action="store_true", help="the product page again without each per-request hook")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, ThrowAwayDatabase(args.backend, Path(folder)) as url:
        os.environ.update(flash_sale._env(Path(folder), keyshop_url(url)))
        shop = flash_sale._FlashShop(10)
        paths = {"product": f"/p/{flash_sale.PAGE_SLUG}", "home": "/", "order": f"/o/{shop.order_token}"}
        for name in args.pages.split(","):
            _measure(shop.app, f"{name} page", paths[name], args.requests)
        if args.ablate:
            _ablate(shop.app, paths["product"], args.requests)
        if args.profile:
            _profile(shop.app, paths[args.profile], args.requests)


def _measure(app, name: str, path: str, requests: int) -> None:
    from app.core.extensions import db

    statements = []

    def count(*_args) -> None:
        statements.append(1)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    _get(app, path, 20)  # warm: templates compiled, pages cached
    statements.clear()
    before = _cpu()
    _get(app, path, requests)
    spent = _cpu() - before
    event.remove(engine, "before_cursor_execute", count)
    one, five, _ = os.getloadavg()
    print(
        f"{name:>8}: {spent / requests * 1000:.2f} ms CPU, {len(statements) / requests:.1f} statements a request"
        f"  [{requests} requests, load {one:.2f}/{five:.2f}]",
        flush=True,
    )


def _ablate(app, path: str, requests: int) -> None:
    """What each hook every page pays costs: the page measured with it taken out (a measurement only)."""
    hooks = {
        "limiter": (app.before_request_funcs[None], "_check_request_limit"),
        "hostile check": (app.before_request_funcs[None], "_refuse_hostile"),
        "security headers": (app.after_request_funcs[None], "_headers"),
        "visitor cookie": (app.after_request_funcs[None], "_send_new_id"),
        "language cookie": (app.after_request_funcs[None], "_remember_choice"),
    }
    for what, (funcs, name) in hooks.items():
        taken = [f for f in funcs if getattr(f, "__name__", "") == name]
        for f in taken:
            funcs.remove(f)
        _measure(app, f"product without {what}" if taken else f"(no {what} hook)", path, requests)
        funcs.extend(taken)
    saving = app.session_interface.save_session
    app.session_interface.save_session = lambda *args: None
    _measure(app, "product without the session cookie", path, requests)
    app.session_interface.save_session = saving


def _get(app, path: str, times: int) -> None:
    for _ in range(times):
        response = app.test_client().get(path)  # a new client: no cookies, a first visit
        assert response.status_code == 200, (path, response.status_code)


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _profile(app, path: str, requests: int) -> None:
    profiler = cProfile.Profile(time.thread_time)  # CPU, not wall: the machine is shared
    profiler.enable()
    _get(app, path, requests)
    profiler.disable()
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
    pstats.Stats(profiler).sort_stats("tottime").print_stats(30)


if __name__ == "__main__":
    main()
