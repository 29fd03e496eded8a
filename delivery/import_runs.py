"""Carrying out one recorded import (keystore.models.ImportRun): the body of the `import_batch` job.

Each run claims the row (queued -> running, attempts + 1) and guards every later move by that
attempt number, so a run the sweeper gave up on can never finish or fail an import another run has
taken over. A run killed mid-way is resumed from its batch (SQLite keeps the chunks it stored as
`staged`; PostgreSQL had them in one transaction, which died with it). Whatever ends a run, the
plaintext upload is deleted with it.
"""

from __future__ import annotations

import json
import logging
import os

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.core.db import utcnow, write_transaction
from app.core.models import Product
from delivery.backorders import release_waiting_orders
from delivery.import_heartbeat import Heartbeat, Superseded, guarded
from keystore.formats import ImportFileError
from keystore.importer import discard_batch, import_codes
from keystore.keyring import Keyring
from keystore.models import Batch, ImportRun
from keystore.readers import reader_for

log = logging.getLogger(__name__)


def run_import(session: Session, keyring: Keyring, import_id: int) -> str:
    """Idempotent: a run of an import that is not queued (finished, failed, taken) does nothing."""
    attempt = _claim(session, import_id)
    if attempt is None:
        return "not queued"
    run = session.get(ImportRun, import_id)
    session.expunge(run)
    session.rollback()
    try:
        with Heartbeat(session.get_bind(), import_id, attempt) as heartbeat:
            return _carry_out(session, keyring, run, attempt, heartbeat)
    except Superseded:
        return "superseded"
    except Exception as exc:
        log.error("import %s failed: %s", import_id, type(exc).__name__, exc_info=True)
        session.rollback()
        fail_import(session, import_id, attempt, failure_reason(exc))
        return "failed"


def _claim(session: Session, import_id: int) -> int | None:
    with write_transaction(session):
        moved = session.execute(
            update(ImportRun)
            .where(ImportRun.id == import_id, ImportRun.state == "queued")
            .values(state="running", attempts=ImportRun.attempts + 1, heartbeat_at=utcnow())
        )
        if moved.rowcount != 1:
            return None
        return session.scalar(select(ImportRun.attempts).where(ImportRun.id == import_id))


def _carry_out(session: Session, keyring: Keyring, run: ImportRun, attempt: int, heartbeat: Heartbeat) -> str:
    batch_id, status = _batch_state(session, run.batch_id)
    if status == "complete":  # the last run stored it all, then died before saying so
        return _finish(session, run, attempt, _result_of_batch(session, batch_id))
    if not os.path.exists(run.upload_path):
        raise ImportFileError("the uploaded file is gone (removed before its import finished); upload it again")
    if status is None:
        batch_id = _open_batch(session, run, attempt)
    product = session.get(Product, run.product_id)
    session.expunge(product)
    session.rollback()
    with open(run.upload_path, "rb") as handle:
        result = import_codes(
            session,
            keyring,
            run.product_id,
            reader_for(product)(handle),
            name=run.name,
            source=run.source,
            progress=heartbeat.progress,
            resume_batch_id=batch_id,
        )
    return _finish(session, run, attempt, result.as_json())


def _batch_state(session: Session, batch_id: int | None) -> tuple[int | None, str | None]:
    status = session.scalar(select(Batch.status).where(Batch.id == batch_id)) if batch_id else None
    session.rollback()
    return batch_id, status


def _open_batch(session: Session, run: ImportRun, attempt: int) -> int:
    """The batch and the import's note of it in one transaction: a resume always finds its batch."""
    with write_transaction(session):
        batch = Batch(
            product_id=run.product_id,
            name=run.name,
            source=run.source,
            uploaded_by=run.uploaded_by,
            supplier=run.supplier,
        )
        session.add(batch)
        session.flush()
        guarded(session, run.id, attempt, batch_id=batch.id)
        return batch.id


def _result_of_batch(session: Session, batch_id: int) -> dict:
    batch = session.get(Batch, batch_id)
    result = {
        "batch_id": batch_id,
        "imported": batch.imported,
        "duplicates": batch.duplicates,
        "rejected": batch.rejected,
        "problems": [],
    }
    session.rollback()
    return result


def _finish(session: Session, run: ImportRun, attempt: int, result: dict) -> str:
    with write_transaction(session):
        guarded(
            session,
            run.id,
            attempt,
            state="finished",
            finished_at=utcnow(),
            result=json.dumps(result),
            done=ImportRun.total,
        )
    remove_upload(run.upload_path)
    if result["imported"]:
        release_waiting_orders(session, run.product_id)
    return "finished"


def fail_import(session: Session, import_id: int, attempt: int, reason: str, was: str = "running") -> bool:
    """`was` (this attempt) -> failed: its partial batch is discarded and its upload deleted."""
    try:
        with write_transaction(session):
            guarded(session, import_id, attempt, was=was, state="failed", finished_at=utcnow(), error=reason[:2000])
    except Superseded:
        return False
    run = session.get(ImportRun, import_id)
    batch_id, path = run.batch_id, run.upload_path
    session.rollback()
    _discard_unfinished(session, batch_id)
    remove_upload(path)
    return True


def _discard_unfinished(session: Session, batch_id: int | None) -> None:
    if batch_id is None:
        return
    try:
        discard_batch(session, batch_id)
    except ValueError:  # complete, or already gone: nothing half-written to remove
        pass


def remove_upload(path: str) -> None:
    """Plaintext codes live on disk only while their import runs."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def failure_reason(exc: BaseException) -> str:
    """For staff. Our own file errors say what is wrong with the file; anything else is named by its
    type only, since a driver's message may quote values."""
    if isinstance(exc, ImportFileError):
        return str(exc)
    return (
        f"the import stopped on an error ({type(exc).__name__}); nothing of it is for sale. "
        f"The worker log has the details; upload the file again."
    )
