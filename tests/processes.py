"""Real keyshop processes for the pipeline tests: a gunicorn web server and RQ workers."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import NamedTuple

import requests

from delivery.queues import QUEUES
from tests.secrets_in_logs import PROCESS_LOGS
from tests.warm import WarmProcess


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Process:
    def __init__(self, argv: list[str], env: dict[str, str], log_name: str, warm: bool = False):
        """`warm`: forked from the fork server that imported keyshop once (tests.warm), for the
        keyshop entry points; else a new Python (`keyshop serve`, which starts its own)."""
        folder = env["KEYSHOP_INSTANCE"]
        os.makedirs(folder, exist_ok=True)
        self.log_path = os.path.join(folder, log_name)
        PROCESS_LOGS.append(Path(self.log_path))
        self._log = open(self.log_path, "wb")
        environ = {**os.environ, **env}
        if warm:
            self.process = WarmProcess(argv, environ, self.log_path)
        else:
            self.process = subprocess.Popen(argv, env=environ, stdout=self._log, stderr=subprocess.STDOUT)

    def log(self) -> str:
        with open(self.log_path, encoding="utf-8", errors="replace") as handle:
            return handle.read()

    def kill(self) -> None:
        """SIGKILL: what a crashed machine does, no clean-up."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
        self._log.close()


class WorkerProcess(_Process):
    def __init__(self, env: dict[str, str], queues: str = ",".join(QUEUES)):
        argv = ["keyshop", "worker", "--queues", queues]
        super().__init__(argv, env, f"worker-{id(self)}.log", warm=True)


class Finished(NamedTuple):
    returncode: int
    output: str  # what it wrote, to stdout and stderr


class KeyshopCommand(_Process):
    """`keyshop …` in a process of its own, forked warm; `finish` waits for its end."""

    def __init__(self, env: dict[str, str], *args: str):
        super().__init__(["keyshop", *args], env, f"keyshop-{time.monotonic_ns()}.log", warm=True)

    def finish(self, timeout: float = 120) -> Finished:
        try:
            return Finished(self.process.wait(timeout=timeout), self.log())
        finally:
            self.stop()


class LiveServer(_Process):
    def __init__(self, env: dict[str, str], workers: int = 2):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**env, "KEYSHOP_BASE_URL": self.url}
        from app.cli.run import gunicorn_argv

        # gunicorn_argv starts with `python -m gunicorn`: the fork runs gunicorn itself
        argv = ["gunicorn", *gunicorn_argv("127.0.0.1", self.port, workers, env["KEYSHOP_DATABASE_URL"])[3:]]
        super().__init__(argv, env, "gunicorn.log", warm=True)
        wait_until_up(self.url + "/healthz", self)


class ServeProcess(_Process):
    """`keyshop serve` on a free port: its web processes and worker, as an owner starts the shop.
    Stopped as an owner stops it, with Ctrl-C (SIGINT), so it stops its children itself."""

    def __init__(self, env: dict[str, str]):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        argv = [sys.executable, "-m", "app.cli", "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        super().__init__(argv, {**env, "PYTHONUNBUFFERED": "1"}, "serve.log")
        try:
            wait_until_up(self.url + "/healthz", self)
        except RuntimeError:
            self.stop()
            raise

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                pass
        super().stop()


def wait_until_up(url: str, process: _Process, seconds: float = 90) -> None:
    """Bounded, and generous: on two cores busy with three test processes, gunicorn took over 20 s to start."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.process.poll() is not None:
            raise RuntimeError(f"process exited early:\n{process.log()[-3000:]}")
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up in {seconds} s:\n{process.log()[-3000:]}")
