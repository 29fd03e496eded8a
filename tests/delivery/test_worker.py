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


def test_plain_heartbeats_go_to_redis_at_most_once_a_second_and_timed_ones_always(app):
    from delivery.worker import AppWorker

    redis = app.extensions["keyshop.redis"]
    worker = AppWorker(["delivery"], connection=redis)
    worker.register_birth()
    try:
        worker.heartbeat()
        first = redis.hget(worker.key, "last_heartbeat")
        time.sleep(0.01)
        worker.heartbeat()
        assert redis.hget(worker.key, "last_heartbeat") == first
        worker.heartbeat(timeout=1000)  # RQ sets a long one before a long job: never skipped
        assert 990 < redis.ttl(worker.key) <= 1000
        time.sleep(1.05)
        worker.heartbeat()
        assert redis.hget(worker.key, "last_heartbeat") != first and redis.ttl(worker.key) <= worker.worker_ttl + 60
    finally:
        worker.register_death()
