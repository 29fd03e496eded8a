"""The keyshop worker process: nothing of it outlives a SIGKILL."""
from __future__ import annotations

import os
import time


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    parent = int(stat.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue  # gone meanwhile
            if parent == pid:
                found.append(int(entry))
    return found


def test_a_worker_forks_no_process_that_would_hold_its_database_connections_after_a_kill(worker):
    """RQ's scheduler process did: a killed worker's transaction then stayed open, its row locks held."""
    deadline = time.monotonic() + 20
    while "listening on" not in worker.log() and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(2)  # past the first ticks of the worker's threads
    assert "listening on" in worker.log(), worker.log()[-2000:]
    assert _children(worker.process.pid) == []
