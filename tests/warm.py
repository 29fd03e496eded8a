"""Real processes that start warm: each test's workers and web servers are forked from a server process
that imported keyshop's modules once (multiprocessing's fork server), instead of starting Python and
importing them again (about 1.5 s of CPU each, a few hundred times a suite). What runs in them is
what `python -m app.cli worker` and `gunicorn wsgi:app` run: the same entry points, in processes of
their own, with the test's environment, killed and signalled like any other."""

from __future__ import annotations

import atexit
import multiprocessing
import os
import signal
import subprocess
import sys
from importlib import import_module

FORKS = multiprocessing.get_context("forkserver")
FORKS.set_forkserver_preload(["tests.warm"])
STARTED: list[WarmProcess] = []


def _import_keyshop() -> None:
    """The modules an app and its worker import, without creating an app (that reads the environment)."""
    from flask import Flask

    import app
    from tests import url_builders

    url_builders.install()
    app._register_blueprints(Flask("app"))  # compiles each rule's URL builders once, for every process forked
    for name in (*app.MAIL_MODULES, "app.cli", "app.cli.run", "delivery.worker", "feedback.sweeps"):
        import_module(name)
    for name in ("gunicorn.app.wsgiapp", "psycopg", "sqlalchemy.dialects.postgresql.psycopg", "rq"):
        import_module(name)


def _run(argv: list[str], environ: dict[str, str], cwd: str, log_path: str) -> None:
    """In the forked process: the test's environment and folder, output to its log, then the command."""
    log = os.open(log_path, os.O_WRONLY | os.O_APPEND)
    os.dup2(log, 1)
    os.dup2(log, 2)
    sys.stdout.reconfigure(line_buffering=True)
    sys.stderr.reconfigure(line_buffering=True)
    os.environ.clear()
    os.environ.update(environ)
    os.chdir(cwd)
    sys.argv = argv
    if argv[0] == "gunicorn":
        from gunicorn.app.wsgiapp import run

        run()
    else:
        from app.cli import main

        main(args=argv[1:], prog_name="keyshop")


class WarmProcess:
    """The part of subprocess.Popen the tests use, for a process forked from the warm server."""

    def __init__(self, argv: list[str], environ: dict[str, str], log_path: str):
        self._process = FORKS.Process(target=_run, args=(argv, environ, os.getcwd(), log_path), daemon=False)
        self._process.start()
        self.pid = self._process.pid
        STARTED.append(self)

    @property
    def returncode(self) -> int | None:
        return self._process.exitcode

    def poll(self) -> int | None:
        return None if self._process.is_alive() else self._process.exitcode

    def wait(self, timeout: float | None = None) -> int:
        self._process.join(timeout)
        if self._process.exitcode is None:
            raise subprocess.TimeoutExpired(f"pid {self.pid}", timeout or 0)
        return self._process.exitcode

    def send_signal(self, sig: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, sig)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


@atexit.register  # before multiprocessing's own, which waits for every process it started
def _kill_left_behind() -> None:
    for process in STARTED:
        process.kill()


_import_keyshop()  # in the fork server (its preload), once; the test processes import them anyway
