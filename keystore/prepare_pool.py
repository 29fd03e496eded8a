"""A large import's chunks prepared (blind-indexed and sealed) in other processes, on the other cores,
while this one parses the file and writes to the database.

The processes are spawned, not forked: the importer runs inside gunicorn and RQ workers and the CLI,
with database connections and threads a fork would copy. They start only once a file has more than
POOL_AFTER_CHUNKS chunks, so a small upload starts none. The keys travel with each chunk through the
pool's pipe (never a file), taken after a refresh, so a key rotated during the import is followed as
closely as a single process follows it. Chunks come back in the file's order; no more than
IN_FLIGHT_PER_WORKER per process are out at once, which bounds memory. An error in a process is
raised here as itself; a process that dies raises BrokenProcessPool.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from itertools import chain, islice

from keystore.keyring import Keyring
from keystore.prepare import PreparedChunk, chunks_of, prepare_chunk

POOL_AFTER_CHUNKS = 2
IN_FLIGHT_PER_WORKER = 2
MAX_WORKERS = 4


def default_workers() -> int:
    """One process per core but the one this process parses and writes on."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(MAX_WORKERS, cores - 1))


def prepare_chunks_in_processes(
    keyring: Keyring, product_id: int, mode: str, lines: Iterable, size: int, workers: int | None = None
) -> Iterator[PreparedChunk]:
    """prepare_chunks(...) for an import (each chunk alone, sealed), the same chunks in the same order."""
    chunks = chunks_of(lines, size)
    for chunk in islice(chunks, POOL_AFTER_CHUNKS):
        yield prepare_chunk(keyring, product_id, mode, chunk, True, set())
    following = next(chunks, None)
    if following is not None:
        yield from _in_pool(keyring, product_id, mode, chain([following], chunks), workers or default_workers())


def _in_pool(
    keyring: Keyring, product_id: int, mode: str, chunks: Iterator[list], workers: int
) -> Iterator[PreparedChunk]:
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
    pending: deque[Future] = deque()
    try:
        for chunk in chunks:
            pending.append(pool.submit(_prepare, keyring.secrets(), product_id, mode, chunk))
            if len(pending) >= workers * IN_FLIGHT_PER_WORKER:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:  # also when the import stops early: no process outlives it
        pool.shutdown(wait=True, cancel_futures=True)


_KEYRINGS: dict[tuple, Keyring] = {}  # in a pool process: the keyring of the last keys it was sent


def _prepare(secrets: tuple[str, dict[str, bytes], bytes], product_id: int, mode: str, chunk: list) -> PreparedChunk:
    active, keys, index_key = secrets
    identity = (active, tuple(sorted(keys.items())), index_key)
    if identity not in _KEYRINGS:
        _KEYRINGS.clear()
        _KEYRINGS[identity] = Keyring(active, keys, index_key)
    return prepare_chunk(_KEYRINGS[identity], product_id, mode, chunk, True, set())
