"""Without a configured base URL, `keyshop serve` and `keyshop web` send buyers and providers to
the address they listen on, not to port 5000; staff reaching the admin elsewhere are warned."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner

from app.core.extensions import db
from app.core.staff import create_staff
from tests.app.cli.test_serve import _drain, _wait_for_line
from tests.processes import _Process, free_port, wait_until_up
from tests.secrets_in_logs import PLANTED
from tests.shop import make_product, stock, unique_codes

pytestmark = pytest.mark.slow


def _keyshop(env: dict, *args: str) -> None:
    """`keyshop …` in this process, as the owner would run it before serving (a process of its own
    started Python and imported keyshop again, three times a test)."""
    from app.cli import main

    done = CliRunner().invoke(main, list(args), env=env)
    assert done.exit_code == 0, done.output


def _wait_until_healthy(base: str, seconds: float = 90) -> None:
    """Longer than test_serve's 30 s: four suites share this machine's two cores."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise AssertionError(f"serve never became healthy in {seconds} s")


def _order(base: str) -> dict:
    body = {"product": "card", "quantity": 1, "email": "buyer@example.com", "method": "sandbox"}
    order = requests.post(f"{base}/api/v1/orders", json=body, timeout=5).json()
    PLANTED.add(order["token"])
    return order


def _mailed_link(outbox: Path, seconds: float = 20) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for mail in outbox.glob("*.eml"):
            found = re.search(r"https?://[^\s\"<]+/o/[A-Za-z0-9_-]+", mail.read_text(errors="replace"))
            if found:
                return found.group(0)
        time.sleep(0.1)
    raise AssertionError("no order mail in the outbox")


def test_serve_on_another_port_sends_every_link_there(tmp_path, redis_server):
    port, instance = free_port(), tmp_path / "instance"
    env = {**os.environ, "KEYSHOP_INSTANCE": str(instance), "KEYSHOP_SANDBOX": "1", "PYTHONUNBUFFERED": "1"}
    codes = tmp_path / "codes.txt"
    codes.write_text("SERVE-PORT-CODE-1\nSERVE-PORT-CODE-2\n")
    PLANTED.update(codes.read_text().split())
    setup = {**env, "KEYSHOP_REDIS_URL": redis_server.url}  # serve starts its own; this process keeps none
    _keyshop(setup, "db", "upgrade")
    _keyshop(setup, "product", "create", "card", "--name", "Card", "--price", "1.00", "--currency", "USD")
    _keyshop(setup, "codes", "import", "card", str(codes))
    serve = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        _wait_for_line(serve, rf"keyshop is running: http://127\.0\.0\.1:{port}/", seconds=120)
        _drain(serve)
        base = f"http://127.0.0.1:{port}"
        _wait_until_healthy(base)
        order = _order(base)
        assert order["url"].startswith(f"{base}/o/") and order["payment"]["url"].startswith(f"{base}/sandbox/pay?")
        pay_page = requests.get(order["payment"]["url"], timeout=5)
        session = re.search(r'name="s" value="([^"]+)"', pay_page.text).group(1)
        requests.post(f"{base}/sandbox/pay", data={"s": session, "outcome": "paid"}, timeout=5)
        assert _mailed_link(instance / "outbox") == order["url"]  # the worker, another process, agrees
    finally:
        serve.send_signal(signal.SIGINT)
        serve.wait(timeout=30)


class _Web(_Process):
    def __init__(self, env: dict[str, str], port: int):
        argv = [sys.executable, "-m", "app.cli", "web", "--host", "0.0.0.0", "--port", str(port), "--workers", "1"]
        super().__init__(argv, env, "web.log")
        try:
            wait_until_up(f"http://127.0.0.1:{port}/healthz", self)
        except RuntimeError:
            self.stop()  # no gunicorn left running after the test
            raise


@pytest.fixture
def shop_env(shop_env):
    return {name: value for name, value in shop_env.items() if name != "KEYSHOP_BASE_URL"}


def test_web_records_where_it_listens_and_the_admin_warns_on_another_host(app, shop_env):
    stock(app, make_product(app, "card"), unique_codes(1))
    with app.app_context():
        create_staff(db.session, "owner@shop.test", "a long owner password")
        db.session.remove()
    port = free_port()
    web = _Web(shop_env, port)
    try:
        base = f"http://127.0.0.1:{port}"
        assert _order(base)["payment"]["url"].startswith(f"{base}/sandbox/pay?")  # 0.0.0.0: by loopback
        with app.app_context():
            assert app.config["KEYSHOP"].base_url == base  # a worker started on its own builds the same links
        staff = requests.Session()
        elsewhere = f"http://localhost:{port}"
        token = re.search(r'name="csrf_token" value="([^"]+)"', staff.get(f"{elsewhere}/admin/login").text).group(1)
        form = {"email": "owner@shop.test", "password": "a long owner password", "csrf_token": token}
        staff.post(f"{elsewhere}/admin/login", data=form, timeout=5)
        warned = staff.get(f"{elsewhere}/admin/", timeout=5).text
        assert f"This page was reached at {elsewhere}/, but the links keyshop sends" in warned and base in warned
    finally:
        web.stop()


def test_web_with_keyshop_base_url_keeps_it(shop_env, app):
    """KEYSHOP_BASE_URL, when set, is the source (DESIGN.md): where web listens does not override it."""
    stock(app, make_product(app, "card"), unique_codes(1))
    port = free_port()
    web = _Web({**shop_env, "KEYSHOP_BASE_URL": "https://env.example"}, port)
    try:
        assert _order(f"http://127.0.0.1:{port}")["payment"]["url"].startswith("https://env.example/sandbox/pay?")
    finally:
        web.stop()
