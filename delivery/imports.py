"""Large batch uploads as jobs: the import row first, then the job, and progress for staff and the API.

The parked upload and its `imports` row (keystore.models.ImportRun) exist before anything is
enqueued, so a job lost from Redis, or a worker killed mid-way, is found again by the sweeper
(delivery.import_sweep); the job itself is delivery.import_runs.run_import.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from pathlib import Path
from typing import BinaryIO

from redis import RedisError
from sqlalchemy.orm import Session

from app.core.audit import audit
from app.core.db import utcnow, write_transaction
from delivery.queues import queue
from keystore.models import ImportRun
from keystore.uploads import count_lines, park_upload

log = logging.getLogger(__name__)
STUCK_AFTER_SECONDS = 60  # no heartbeat for this long: the page says so (the sweeper resumes it)
# RQ's words for the states, which the API has always answered with
STATUS = {"queued": "queued", "running": "started", "finished": "finished", "failed": "failed"}


def start_import(
    session: Session,
    instance: Path,
    data: BinaryIO,
    product_id: int,
    *,
    name: str,
    supplier: str,
    uploaded_by: str,
    source: str,
) -> int:
    """Park the upload, record the import, and only after that commit enqueue its job; the import id."""
    path = park_upload(instance, data)
    try:
        with write_transaction(session):
            run = ImportRun(
                product_id=product_id,
                name=name,
                supplier=supplier,
                uploaded_by=uploaded_by,
                source=source,
                upload_path=str(path),
                total=count_lines(path),
            )
            session.add(run)
            session.flush()
            import_id = run.id
            audit(session, uploaded_by or source, "keystore.import.queued", f"import:{import_id}", detail=name[:200])
    except BaseException:
        path.unlink(missing_ok=True)  # no row will ever name this file: it must not stay
        raise
    enqueue_run(import_id)
    return import_id


def enqueue_run(import_id: int) -> bool:
    """False when Redis is unreachable: the row is queued all the same, and the sweeper enqueues it."""
    try:
        queue("imports").enqueue(
            "delivery.jobs.import_batch", import_id, job_timeout=3600, result_ttl=3600, failure_ttl=86400
        )
        return True
    except RedisError as exc:
        log.warning("could not enqueue import %s (%s); the sweeper will retry", import_id, exc)
        return False


def import_status(job_id: str, session: Session | None = None) -> dict | None:
    """What the progress page and the API show; None for an id that names no import."""
    if session is None:
        from app.core.extensions import db

        session = db.session
    if not (job_id.isascii() and job_id.isdigit()) or int(job_id) >= 2**31:  # "²" is a digit to Python
        return None
    run = session.get(ImportRun, int(job_id))
    session.rollback()
    return _status_of(run) if run is not None else None


def _status_of(run: ImportRun) -> dict:
    body = {"id": str(run.id), "status": STATUS[run.state], "total": run.total, "done": min(run.done, run.total)}
    if run.state == "finished":
        body["result"] = json.loads(run.result)
    if run.state == "failed":
        body["error"] = f"the import failed; nothing of it is for sale: {run.error}"
    if run.state in ("queued", "running") and run.heartbeat_at < utcnow() - timedelta(seconds=STUCK_AFTER_SECONDS):
        body["stuck_since"] = run.heartbeat_at.isoformat(timespec="seconds") + "Z"
    return body
