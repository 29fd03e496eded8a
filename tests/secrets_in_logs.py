"""Every code a test plants is remembered; after the run no log line may contain one.

Logs are this process's log records (all levels) and the output of every keyshop process the tests
started (web servers, workers).
"""
from __future__ import annotations

import logging
from pathlib import Path

PLANTED: set[str] = set()
PROCESS_LOGS: list[Path] = []


class _Keep(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record):
        try:
            self.lines.append(record.getMessage())
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
