"""A running import's sign of life, and the guard that keeps a superseded run from moving its row.

The heartbeat is written from a thread on a connection of its own: on PostgreSQL the import itself
is one long transaction, whose writes nobody else sees until it commits, and a run waiting on a lock
(another import storing the same codes) must still look alive to the sweeper.
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from app.core.db import utcnow, write_transaction
from keystore.models import ImportRun

log = logging.getLogger(__name__)
HEARTBEAT_SECONDS = 1.0


class Superseded(Exception):
    """The sweeper gave this run up (its heartbeat stopped for too long) and another took over."""


def guarded(session: Session, import_id: int, attempt: int, was: str = "running", **values) -> None:
    """Move the row only if it is still in `was` under this run's attempt; else raise Superseded."""
    moved = session.execute(
        update(ImportRun)
        .where(ImportRun.id == import_id, ImportRun.state == was, ImportRun.attempts == attempt)
        .values(**values)
    )
    if moved.rowcount != 1:
        raise Superseded(f"import {import_id} is no longer {was} under attempt {attempt}")


class Heartbeat:
    """Beats every HEARTBEAT_SECONDS while the import runs; `progress` adds lines read and raises
    Superseded in the import's own thread once a beat found the run taken over."""

    def __init__(self, engine: Engine, import_id: int, attempt: int):
        self._engine, self._import_id, self._attempt = engine, import_id, attempt
        self._stop, self._lock = threading.Event(), threading.Lock()
        self.superseded = False
        self._thread = threading.Thread(target=self._beat_until_stopped, daemon=True, name="keyshop-import-beat")

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def progress(self, lines: int) -> None:
        self._beat(lines)
        if self.superseded:
            raise Superseded(f"import {self._import_id} was taken over")

    def _beat_until_stopped(self) -> None:
        while not self._stop.wait(HEARTBEAT_SECONDS):
            try:
                self._beat(0)
            except Exception as exc:
                log.warning("import %s: heartbeat failed (%s)", self._import_id, type(exc).__name__)

    def _beat(self, lines: int) -> None:
        with self._lock, Session(bind=self._engine) as session:
            try:
                with write_transaction(session):
                    guarded(session, self._import_id, self._attempt, heartbeat_at=utcnow(), done=ImportRun.done + lines)
            except Superseded:
                self.superseded = True
