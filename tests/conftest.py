"""Fixtures: a real database (SQLite always, PostgreSQL when reachable), real Redis, real processes.

`app` is parametrised over the backends, so every test that uses it runs on each one that is here;
a backend that is not here shows up as skipped with its reason.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from jinja2.bccache import Bucket, BytecodeCache

from tests import secrets_in_logs, url_builders
from tests.backends import PostgresServer, RedisServer
from tests.processes import LiveServer, WorkerProcess

MEMORY = Path("/dev/shm")
IN_MEMORY = pytest.StashKey[str]()


@pytest.hookimpl(tryfirst=True)  # before pytest reads the base folder of tmp_path
def pytest_configure(config):
    secrets_in_logs.start()
    url_builders.install()
    if not config.option.basetemp and not hasattr(config, "workerinput") and os.access(MEMORY, os.W_OK):
        # Each test's files (its SQLite database above all) in memory where the machine has a tmpfs:
        # a commit then waits for no disk (about 5 ms a commit on this machine's disk, 0.05 ms in
        # memory). pytest-xdist gives each process a folder inside it.
        config.option.basetemp = config.stash[IN_MEMORY] = tempfile.mkdtemp(prefix="keyshop-tests-", dir=MEMORY)


def pytest_unconfigure(config):
    """The run's folder in memory is removed when it passed; a failed run's stays to be read."""
    folder = config.stash.get(IN_MEMORY, None)
    if folder and getattr(config, "_keyshop_passed", False):
        shutil.rmtree(folder, ignore_errors=True)
    elif folder:
        print(f"the test files of this run: {folder}")


def pytest_sessionfinish(session, exitstatus):
    """No code a test planted may appear in any log of the run: a leak fails the whole run. Under
    pytest-xdist each process checks its own logs and the controller reports them all."""
    planted, found = len(secrets_in_logs.PLANTED), secrets_in_logs.leaks()
    if hasattr(session.config, "workeroutput"):
        session.config.workeroutput["log_check"] = json.dumps([planted, found])
        return
    for worker_planted, worker_found in _WORKER_LOG_CHECKS:
        planted, found = planted + worker_planted, found + worker_found
    if found:
        print("\nCODES FOUND IN LOGS:\n  " + "\n  ".join(found[:20]))
        session.exitstatus = 1
    else:
        print(f"\nlog check: none of {planted} planted codes appears in any log")
    session.config._keyshop_passed = session.exitstatus == 0


_WORKER_LOG_CHECKS: list[tuple[int, list[str]]] = []


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    """pytest-xdist: a process is done; keep its log check for the end of the run."""
    _WORKER_LOG_CHECKS.append(tuple(json.loads(node.workeroutput.get("log_check", "[0, []]"))))


def pytest_report_header(config):
    return [f"postgresql: {PostgresServer.describe()}", f"redis: {RedisServer.describe()}"]


@pytest.fixture(scope="session")
def postgres():
    server = PostgresServer.start()
    yield server
    if server:
        server.drop()


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    server = RedisServer.start(tmp_path_factory.mktemp("redis"))
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request):
    return request.param


@pytest.fixture
def database_url(backend, request, tmp_path):
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'keyshop.db'}"
        return
    server = request.getfixturevalue("postgres")
    if not server:
        pytest.skip(f"PostgreSQL not reachable: {PostgresServer.describe()}")
    yield server.url
    server.truncate_all()


@pytest.fixture(scope="session")
def compiled_catalogs(tmp_path_factory) -> Path:
    """The translations compiled once per test process: each test's instance folder starts with a
    copy, which the app finds up to date (compiling them took about half a second a test)."""
    from app.core.i18n import compile_catalogs

    return compile_catalogs(tmp_path_factory.mktemp("catalogs") / "translations")


@pytest.fixture
def shop_env(database_url, redis_server, tmp_path, compiled_catalogs):
    """The environment a keyshop process of this test runs with (the app, workers, web servers)."""
    redis_server.flush()
    shutil.copytree(compiled_catalogs, tmp_path / "instance" / "translations")  # copy2 keeps the times
    return {
        "KEYSHOP_INSTANCE": str(tmp_path / "instance"),
        "KEYSHOP_DATABASE_URL": database_url,
        "KEYSHOP_REDIS_URL": redis_server.url,
        "KEYSHOP_SANDBOX": "1",
        "KEYSHOP_BASE_URL": "http://127.0.0.1:5000",
        "KEYSHOP_SWEEP_AFTER": "1",
    }


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory, redis_server) -> Path:
    """A SQLite database migrated to the newest schema once per test process: each test's database
    starts as a copy (migrating from nothing took about 0.6 s a test, a tenth of the suite's time)."""
    folder = tmp_path_factory.mktemp("schema")
    env = {
        "KEYSHOP_INSTANCE": str(folder / "instance"),
        "KEYSHOP_DATABASE_URL": f"sqlite:///{folder / 'keyshop.db'}",
        "KEYSHOP_REDIS_URL": redis_server.url,
        "KEYSHOP_SANDBOX": "1",
    }
    _migrated_app(env)
    return folder / "keyshop.db"


def _migrated_app(env: dict):
    """An app on `env`'s database, migrated to the newest schema, with the order guard installed."""
    from app import create_app
    from app.cli.setup import upgrade_database
    from app.core.extensions import db
    from app.core.settings import Settings
    from tests import order_guard

    app = create_app(Settings.from_env(env))
    with app.app_context():
        upgrade_database()  # nothing to do on a copy of migrated_sqlite: it is at the newest revision
        db.session.remove()
        with db.engine.begin() as connection:
            order_guard.install(connection)  # every status change of the test's orders is held to the table
        db.engine.dispose()
    return app


class _CompiledTemplates(BytecodeCache):
    """Each test's app compiles the templates it renders afresh; this keeps them for the whole test
    process (Jinja keys each by the template's name and a checksum of its source, so an edited
    template is compiled again). Compiling them took about a fifth of a second a test."""

    def __init__(self) -> None:
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        if bucket.key in self.compiled:
            bucket.bytecode_from_string(self.compiled[bucket.key])

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.compiled[bucket.key] = bucket.bytecode_to_string()


COMPILED_TEMPLATES = _CompiledTemplates()


def _migrate_once(shop_env: dict, request) -> None:
    """A test's database at the newest schema with the order guard, migrated once per test process:
    a new SQLite database is a copy of migrated_sqlite, and PostgreSQL's database is kept, truncated,
    from one test to the next (running the migrations again found nothing to do, in a third of a
    second a test). A SQLite file that is already there is migrated as it is."""
    url = shop_env["KEYSHOP_DATABASE_URL"]
    if url.startswith("sqlite:///"):
        if Path(url.removeprefix("sqlite:///")).exists():
            _migrated_app(shop_env)
        else:
            _copy_sqlite(request.getfixturevalue("migrated_sqlite"), url)
        return
    server = request.getfixturevalue("postgres")
    if not server.migrated:
        _migrated_app(shop_env)
        server.migrated = True


def _copy_sqlite(source: Path, url: str) -> None:
    """The template's pages into the test's own file, through SQLite's backup API (whole and consistent)."""
    with sqlite3.connect(source) as template, sqlite3.connect(url.removeprefix("sqlite:///")) as copy:
        template.backup(copy)


@pytest.fixture
def app(shop_env, request):
    from app import create_app
    from app.core.extensions import db
    from app.core.settings import Settings

    _migrate_once(shop_env, request)
    app = create_app(Settings.from_env(shop_env))
    app.config["TESTING"] = True
    app.jinja_env.bytecode_cache = COMPILED_TEMPLATES
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(shop_env, monkeypatch):
    """Runs `keyshop …` in-process against this test's database."""
    for name, value in shop_env.items():
        monkeypatch.setenv(name, value)
    from app.cli import main

    cli = CliRunner()
    return lambda *args, **kw: cli.invoke(main, list(args), catch_exceptions=False, **kw)


@pytest.fixture
def smtp(shop_env):
    """A real SMTP server on loopback. Requested before `app`/`worker`, so both see KEYSHOP_SMTP_URL."""
    from tests.smtp import SmtpServer

    server = SmtpServer()
    shop_env["KEYSHOP_SMTP_URL"] = server.url
    yield server
    server.stop()


@pytest.fixture
def worker(shop_env, app):
    """A real `keyshop worker` process (RQ, non-forking) on this test's database and Redis."""
    process = WorkerProcess(shop_env)
    yield process
    process.stop()


@pytest.fixture
def live_server(shop_env, app):
    """A real gunicorn serving keyshop on a free loopback port."""
    server = LiveServer(shop_env)
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _no_ambient_settings(monkeypatch):
    """Tests pass settings explicitly; the developer's own KEYSHOP_* never leak in."""
    for name in [n for n in os.environ if n.startswith("KEYSHOP_")]:
        monkeypatch.delenv(name, raising=False)
