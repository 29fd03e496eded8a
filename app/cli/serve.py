"""`keyshop serve`: the whole shop on one machine, started and stopped as one."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import click

from app.core.settings import Settings

WATCH_EVERY_SECONDS = 2
STOP_SECONDS = 10


class Stack:
    def __init__(self, settings: Settings, host: str, port: int, demo: bool):
        self.settings, self.host, self.port, self.demo = settings, host, port, demo
        self.children: list[subprocess.Popen] = []

    def run(self) -> None:
        env = dict(os.environ)
        if not self.settings.redis_url:
            from app.core.embedded_redis import start_embedded_redis

            env["KEYSHOP_REDIS_URL"] = "unix://" + start_embedded_redis(self.settings.instance)
            os.environ["KEYSHOP_REDIS_URL"] = env["KEYSHOP_REDIS_URL"]
        app = self._prepare()
        from app.cli.run import gunicorn_argv

        web = gunicorn_argv(self.host, self.port, 2, self.settings.database_url)
        self.children.append(subprocess.Popen(web, env=env))
        # One worker per core by default: a worker runs one job at a time, and with one the delivery
        # queue was the bottleneck of a 2-core shop (docs/benchmarks.md, "Epay callbacks").
        for _ in range(self.settings.workers):
            self.children.append(subprocess.Popen([sys.executable, "-m", "app.cli", "worker"], env=env))
        self._announce(app)
        # SIGINT explicitly too: a shell that starts a command in the background hands it SIGINT
        # ignored, and Python then never raises KeyboardInterrupt (found by a CI run started with &).
        signal.signal(signal.SIGINT, _interrupt)
        signal.signal(signal.SIGTERM, _interrupt)
        try:
            self._watch(app)
        except KeyboardInterrupt:
            click.echo("\nstopping…")
        finally:
            self._stop()

    def _prepare(self):
        from app import create_app
        from app.cli.setup import seed_demo, upgrade_database
        from app.core.extensions import db
        from app.core.public_url import record_listen_url
        from keystore.check import verify_keyring

        app = create_app(Settings.from_env())
        with app.app_context():
            upgrade_database()
            record_listen_url(db.session, self.host, self.port)  # links go here unless a base URL is set
            verify_keyring(db.session, app.extensions["keyshop.keyring"])
            if self.demo and seed_demo():
                click.echo("seeded the demo shop")
        return app

    def _announce(self, app) -> None:
        from app.cli.setup import admin_hint
        from app.core.public_url import listen_url

        base_url = listen_url(self.host, self.port)
        click.echo(f"\n  keyshop is running: {base_url}/")
        with app.app_context():
            click.echo(f"  {admin_hint(base_url)}")
        click.echo("  Ctrl-C stops everything.\n")

    def _watch(self, app) -> None:
        """The worker sweeps (delivery.periodic); serve watches that its children live."""
        while True:
            time.sleep(WATCH_EVERY_SECONDS)
            for child in self.children:
                if child.poll() is not None:
                    raise SystemExit(f"keyshop: a child process exited with status {child.returncode}")

    def _stop(self) -> None:
        """Ask every child to stop, give them STOP_SECONDS together (not each), then kill the rest."""
        for child in self.children:
            if child.poll() is None:
                child.terminate()
        deadline = time.monotonic() + STOP_SECONDS
        for child in self.children:
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                click.echo(f"keyshop: pid {child.pid} did not stop in {STOP_SECONDS} s; killed", err=True)
                child.kill()
                child.wait()


def _interrupt(_signum, _frame):
    raise KeyboardInterrupt
