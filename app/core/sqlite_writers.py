"""One SQLite writer at a time, queued by the kernel rather than by SQLite's busy handler.

A SQLite writer that finds the write lock taken sleeps and tries again (after 1, 2, 5, 10 ms, up to
100 ms between tries), so under load the web and worker processes that take turns at the lock
spend their time asleep while it sits free. An flock on a file beside the database queues them
instead: the next writer wakes the moment the lock is released. Threads of one process queue on a
lock of their own first (an flock is held per process, not per thread).
"""

from __future__ import annotations

import fcntl
import os
import threading
from contextlib import contextmanager

WAIT_SECONDS = 30  # SQLite's own busy timeout (app.db)


class WriterQueue:
    def __init__(self, database_path: str):
        self.path = database_path + "-writers"
        self._threads = threading.Lock()
        self._file: int = -1  # opened by _handle(), once per process
        self._pid: int | None = None

    @contextmanager
    def turn(self):
        if not self._threads.acquire(timeout=WAIT_SECONDS):
            raise TimeoutError(f"no turn to write to {self.path[:-8]} within {WAIT_SECONDS} s")
        try:
            handle = self._handle()
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
        finally:
            self._threads.release()

    def _handle(self) -> int:
        """Opened once per process: a forked child (gunicorn's workers) opens its own."""
        if self._pid != os.getpid():
            self._file, self._pid = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600), os.getpid()
        return self._file


_queues: dict[str, WriterQueue] = {}
_made = threading.Lock()


def writer_queue(database_path: str | None) -> WriterQueue | None:
    """The queue of a database file; None for an in-memory database (one connection, no rivals)."""
    if not database_path or database_path == ":memory:":
        return None
    queue = _queues.get(database_path)  # every write transaction asks: no lock, no new object
    if queue is None:
        with _made:
            queue = _queues.setdefault(database_path, WriterQueue(database_path))
    return queue
