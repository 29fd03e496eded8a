"""Run a generator one step ahead in a thread, so its CPU work overlaps the caller's database waits.

The import encrypts chunk N+1 while chunk N is being written: SQLite and psycopg release the GIL
while they wait on disk or the server, so the two really do overlap.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator

_DONE = object()


class ReadAhead(Iterator):
    def __init__(self, items: Iterable, depth: int = 2):
        self._queue: queue.Queue = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._produce, args=(iter(items),), daemon=True, name="keyshop-read-ahead"
        )
        self._thread.start()

    def __next__(self):
        item, error = self._queue.get()
        if error is not None:
            raise error
        if item is _DONE:
            raise StopIteration
        return item

    def close(self) -> None:
        """Stop the producer (the caller gave up); waits until it has let go of its input."""
        self._stop.set()
        while self._thread.is_alive():
            try:
                self._queue.get(timeout=0.05)
            except queue.Empty:
                pass
        self._thread.join()

    def _produce(self, items: Iterator) -> None:
        try:
            for item in items:
                if not self._put((item, None)):
                    return
            self._put((_DONE, None))
        except BaseException as error:  # handed to the consumer, raised there with its traceback
            self._put((None, error))
        finally:  # a generator abandoned half-way lets go of what it holds (the import's processes) now
            close = getattr(items, "close", None)
            if close:
                close()

    def _put(self, entry) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(entry, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False
