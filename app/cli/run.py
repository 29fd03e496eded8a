"""Running keyshop: `serve` (everything, for one machine), or `web`, `worker`, `sweep` on their own."""

from __future__ import annotations

import os
import sys

import click

from app.core.settings import Settings


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=int, help="gunicorn processes")
def web(host, port, workers):
    """The web server (gunicorn)."""
    from app.cli import make_checked_app

    app = make_checked_app()
    _say_where_admin_starts(app, host, port)
    os.execv(sys.executable, gunicorn_argv(host, port, workers, app.config["KEYSHOP"].database_url))


def _say_where_admin_starts(app, host: str, port: int) -> None:
    """Also records where we listen: the links the shop sends point here unless a base URL is set."""
    from app.cli.setup import admin_hint
    from app.core.extensions import db
    from app.core.public_url import record_listen_url

    with app.app_context():
        click.echo(admin_hint(record_listen_url(db.session, host, port)))


@click.command()
@click.option("--queues", default="aftersale,delivery,notify,imports", show_default=True, help="taken in this order")
@click.option("--burst", is_flag=True, help="stop when the queues are empty")
def worker(queues, burst):
    """An RQ worker (non-forking) on the keyshop queues."""
    from app.cli import make_checked_app
    from app.core.logs import configure_logging
    from delivery.worker import run_worker
    from feedback.sweeps import SWEEPS

    configure_logging()
    run_worker(make_checked_app(), tuple(q.strip() for q in queues.split(",") if q.strip()), burst=burst, also=SWEEPS)


@click.command()
def sweep():
    """Re-enqueue paid orders stuck before delivery, and waiting orders that have stock again."""
    from app.cli import make_app
    from app.core.extensions import db
    from delivery.sweeper import sweep_all
    from feedback.sweeps import SWEEPS

    app = make_app()
    with app.app_context():
        settings = app.config["KEYSHOP"]
        count, expired = sweep_all(db.session, settings, app.extensions["keyshop.providers"])
        reports, at_risk, overdue, notices, held = (sweep(db.session, settings.sweep_after_seconds) for sweep in SWEEPS)
    click.echo(
        f"re-enqueued {count} order(s) and {reports} undecided report(s); "
        f"{expired} back-order(s) waited too long and went to review; {at_risk} support deadline(s) newly at risk, "
        f"{overdue} newly missed; "
        f"{notices} proactive note(s) written; {held} held report(s) newly near or past their deadline"
    )


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--demo", is_flag=True, help="seed a demo shop once and turn on the sandbox payment provider")
@click.option(
    "--workers", type=click.IntRange(min=1), help="RQ worker processes  [default: KEYSHOP_WORKERS, else one per core]"
)
def serve(host, port, demo, workers):
    """Web, the workers and (when no Redis is configured) an embedded Redis. Ctrl-C stops them all."""
    from dataclasses import replace

    from app.cli.serve import Stack

    if demo:
        os.environ.setdefault("KEYSHOP_SANDBOX", "1")
    settings = Settings.from_env()
    Stack(replace(settings, workers=workers) if workers else settings, host, port, demo).run()


def gunicorn_argv(host: str, port: int, workers: int, database_url: str) -> list[str]:
    """The access log names routes, not paths (order URLs carry tokens): see app.core.logs.GunicornLog.
    Threads only on PostgreSQL: SQLite has one writer, and more threads waiting on its lock made it
    unfair and slower under load. The app is loaded once and forked (app.cli.gunicorn_hooks)."""
    from app.core.logs import ACCESS_FORMAT

    threads = 1 if database_url.startswith("sqlite") else 4
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        f"{host}:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--log-level",
        "warning",
        "--logger-class",
        "app.core.logs.GunicornLog",
        "--access-logfile",
        "-",
        "--access-logformat",
        ACCESS_FORMAT,
        "--preload",
        "--config",
        "python:app.cli.gunicorn_hooks",
        "wsgi:app",
    ]
