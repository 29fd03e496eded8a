"""A closed-loop HTTP/1.1 load client: `processes` processes, each an asyncio loop over
`connections` raw sockets; a connection sends its next GET as soon as its last one is answered, and
opens a new socket when the server closes (gunicorn's sync workers answer `Connection: close`).
Written here because neither ab nor wrk is on the benchmark machine; its own ceiling is measured
against a bare Flask page on the same gunicorn (bench/bare_page.py).
"""

from __future__ import annotations

import asyncio
import statistics
import time
from dataclasses import dataclass, field
from multiprocessing import Pool


@dataclass
class Load:
    """What the client saw: every answered request's latency (seconds) and the failures."""

    seconds: float
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)

    def merge(self, other: Load) -> None:
        self.latencies += other.latencies
        self.errors += other.errors
        for status, count in other.statuses.items():
            self.statuses[status] = self.statuses.get(status, 0) + count

    def summary(self) -> str:
        ordered = sorted(self.latencies)
        if not ordered:
            return f"nothing answered, {self.errors} errors"
        p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
        return (
            f"{len(ordered) / self.seconds:7.1f} req/s, p50 {statistics.median(ordered) * 1000:5.1f} ms, "
            f"p99 {p99 * 1000:5.1f} ms, errors {self.errors}, statuses {self.statuses}"
        )


def drive(port: int, paths: list[str], seconds: float, processes: int, connections: int) -> Load:
    """GET `paths` (round robin per connection) for `seconds` from processes x connections sockets."""
    with Pool(processes) as pool:
        parts = pool.starmap(_one_process, [(port, paths, seconds, connections)] * processes)
    total = Load(seconds)
    for part in parts:
        total.merge(part)
    return total


def _one_process(port: int, paths: list[str], seconds: float, connections: int) -> Load:
    return asyncio.run(_connections(port, paths, seconds, connections))


async def _connections(port: int, paths: list[str], seconds: float, connections: int) -> Load:
    load, deadline = Load(seconds), time.monotonic() + seconds
    await asyncio.gather(*(_one_connection(port, paths, deadline, load, n) for n in range(connections)))
    return load


async def _one_connection(port: int, paths: list[str], deadline: float, load: Load, offset: int) -> None:
    requests = [f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode() for path in paths]
    reader = writer = None
    sent = offset
    while time.monotonic() < deadline:
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            start = time.monotonic()
            writer.write(requests[sent % len(requests)])
            sent += 1
            status, keep = await _response(reader)
            load.latencies.append(time.monotonic() - start)
            load.statuses[status] = load.statuses.get(status, 0) + 1
            load.errors += status >= 400
        except (OSError, asyncio.IncompleteReadError, ValueError):
            load.errors, keep = load.errors + 1, False
        if not keep and writer is not None:
            writer.close()
            reader = writer = None
    if writer is not None:
        writer.close()


async def _response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """The status, and whether the connection stays open; the body read and dropped."""
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").lower()
    status = int(head.split(" ", 2)[1])
    length = 0
    for line in head.split("\r\n"):
        if line.startswith("content-length:"):
            length = int(line.split(":", 1)[1])
    await reader.readexactly(length)
    return status, "connection: close" not in head
