"""Every code or order token a test plants is remembered; after the run no log line may contain one.

Logs are this process's log records (all levels, with their tracebacks) and the output of every
keyshop process the tests started (web servers with their access logs, workers).
"""

from __future__ import annotations

import logging
import traceback
from pathlib import Path

PLANTED: set[str] = set()  # codes, and the order tokens of tests that watch the web's logs
PROCESS_LOGS: list[Path] = []


class _Keep(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record):
        try:
            self.lines.append(record.getMessage())
            if record.exc_info:
                self.lines.append("".join(traceback.format_exception(*record.exc_info)))
            if getattr(record, "traceback", None):  # the web's 500 line carries its own, redacted
                self.lines.append(record.traceback)
        except Exception:  # a record whose message cannot be built holds no code either
            pass


KEPT = _Keep()


def start() -> None:
    root = logging.getLogger()
    root.addHandler(KEPT)
    root.setLevel(logging.DEBUG)


def leaks() -> list[str]:
    found = []
    texts = [("log records", "\n".join(KEPT.lines))]
    texts += [(str(path), path.read_text(errors="replace")) for path in PROCESS_LOGS if path.exists()]
    for where, text in texts:
        found += [f"{code} in {where}" for code in PLANTED if code in text]
    return found
