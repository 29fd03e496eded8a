"""Delayed retries (the backoff of mail and refunds) go back onto their queues from a thread of the
worker, not from RQ's own scheduler.

RQ's scheduler is a forked process. It inherits the worker's open database sockets, and when the
worker is killed (SIGKILL, a crashed machine) it lives on holding them: PostgreSQL never sees the
killed worker's connection close, so its open transaction, and the order row it had locked, stay
until someone kills the orphan. A thread dies with its worker.
"""

from __future__ import annotations

import logging
import threading

from redis import Redis, RedisError
from rq.scheduler import RQScheduler

log = logging.getLogger(__name__)
EVERY_SECONDS = 1.0


class ScheduledJobs(threading.Thread):
    """Move due jobs from the scheduled registries onto their queues, once a second. Each queue's
    lock (RQ's own, so RQ's tools see it) lets one worker at a time do it for that queue; a killed
    worker's lock expires within a minute and another worker takes the queue over."""

    def __init__(self, queues: list[str], connection: Redis, every: float = EVERY_SECONDS):
        super().__init__(daemon=True, name="keyshop-scheduled-jobs")
        # RQ's interval only sets the locks' lifetime here (it plus 60 s): whole seconds
        self._scheduler = RQScheduler(queues, connection=connection, interval=1)
        self._every, self._stopping = every, threading.Event()

    def run(self) -> None:
        while not self._stopping.wait(self._every):
            try:
                self.move_due_jobs()
            except RedisError as exc:  # Redis away: the next tick tries again
                log.warning("scheduled jobs not moved: %s: %s", type(exc).__name__, exc)
        self.release()

    def move_due_jobs(self) -> bool:
        """Take or refresh the queues' locks, then enqueue what is due; False when another worker holds every lock."""
        if not self._scheduler.acquire_locks():
            return False
        self._scheduler.enqueue_scheduled_jobs()
        return True

    def release(self) -> None:
        """Hand the queues over to other workers now rather than when the locks expire."""
        try:
            self._scheduler.release_locks()
        except RedisError:
            pass  # they expire by themselves

    def stop(self) -> None:
        self._stopping.set()
