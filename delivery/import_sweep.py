"""Imports whose job was lost or whose worker died: resumed, or failed with their reason.

`sweep_imports` is part of the periodic sweep; what it leaves for people to see, the ledger check
reads through delivery.import_check.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.core.db import utcnow, write_transaction
from delivery.import_heartbeat import HEARTBEAT_SECONDS
from delivery.import_runs import fail_import, remove_upload
from delivery.imports import enqueue_run
from keystore.importer import discard_batch
from keystore.models import Batch, ImportRun

MAX_ATTEMPTS = 3  # runs started; a file that kills its worker each time is failed, not retried forever
LOST_AFTER_SECONDS = 3 * HEARTBEAT_SECONDS  # at least: a live run beats every HEARTBEAT_SECONDS
ORPHAN_BATCH_SECONDS = 3600  # an upload imported inline by a web process that died mid-way
PENDING = ("queued", "running")


def sweep_imports(session: Session, older_than_seconds: int, instance: Path | None = None) -> int:
    """Re-enqueue imports whose job was lost, fail those that cannot go on, remove plaintext uploads
    and half-written batches no import will finish. Returns how many imports it moved."""
    cutoff = utcnow() - timedelta(seconds=max(older_than_seconds, LOST_AFTER_SECONDS))
    lost = session.execute(
        select(ImportRun.id, ImportRun.state, ImportRun.attempts, ImportRun.upload_path).where(
            ImportRun.state.in_(PENDING), ImportRun.heartbeat_at < cutoff
        )
    ).all()
    session.rollback()
    moved = sum(_recover(session, row, cutoff) for row in lost)
    _remove_leftover_files(session, Path(instance or current_app.config["KEYSHOP"].instance), cutoff)
    _discard_orphan_batches(session)
    return moved


def _recover(session: Session, row, cutoff: datetime) -> bool:
    if not Path(row.upload_path).exists():
        return fail_import(
            session,
            row.id,
            row.attempts,
            "the uploaded file is gone (removed before its import finished); upload it again",
            was=row.state,
        )
    if row.state == "running" and row.attempts >= MAX_ATTEMPTS:
        return fail_import(
            session,
            row.id,
            row.attempts,
            f"the import stopped {row.attempts} times without "
            "finishing (its worker was killed or lost); upload the file again",
        )
    with write_transaction(session):
        moved = session.execute(
            update(ImportRun)
            .where(
                ImportRun.id == row.id,
                ImportRun.state == row.state,
                ImportRun.attempts == row.attempts,
                ImportRun.heartbeat_at < cutoff,
            )
            .values(state="queued", heartbeat_at=utcnow())
        ).rowcount
    if moved:
        enqueue_run(row.id)  # Redis down: the row is queued again all the same; the next sweep retries
    return bool(moved)


def pending_paths(session: Session) -> set[str]:
    paths = set(session.scalars(select(ImportRun.upload_path).where(ImportRun.state.in_(PENDING))))
    session.rollback()
    return paths


def parked_files(instance: Path) -> list[Path]:
    folder = Path(instance) / "uploads"
    return sorted(folder.glob("*.upload")) if folder.is_dir() else []


def _remove_leftover_files(session: Session, instance: Path, cutoff: datetime) -> None:
    """Files parked by a web process that died before recording their import, or left by a run."""
    pending = pending_paths(session)
    for path in parked_files(instance):
        if str(path) not in pending and modified(path) < cutoff:
            remove_upload(str(path))


def modified(path: Path) -> datetime:
    return datetime.fromtimestamp(path.stat().st_mtime, UTC).replace(tzinfo=None)


def _discard_orphan_batches(session: Session) -> None:
    """A batch uploaded inline (admin, API) whose web process died mid-way holds only staged codes,
    never sold, and no file to resume from. CLI batches wait for `codes import --resume`."""
    for batch_id in _orphan_batches(session, utcnow() - timedelta(seconds=ORPHAN_BATCH_SECONDS)):
        try:
            discard_batch(session, batch_id)
        except ValueError:  # finished meanwhile
            pass


def _orphan_batches(session: Session, before: datetime) -> list[int]:
    owned = select(ImportRun.batch_id).where(ImportRun.state.in_(PENDING), ImportRun.batch_id.is_not(None))
    ids = list(
        session.scalars(
            select(Batch.id).where(
                Batch.status == "importing", Batch.source != "cli", Batch.created_at < before, Batch.id.not_in(owned)
            )
        )
    )
    session.rollback()
    return ids
