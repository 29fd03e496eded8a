"""Read-only, for the ledger check (`keyshop check`) and its alarms: imports stuck past their
deadline and plaintext uploads that outlived their import. Nothing here changes anything."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.models import Product
from delivery.import_sweep import PENDING, modified, parked_files, pending_paths
from keystore.models import Batch, ImportRun

STUCK_AFTER_SECONDS = 600  # the sweeper resumes a lost import within seconds; ten minutes is a fault


def stuck_imports(session: Session, now: datetime) -> list[str]:
    """One line per import stuck past its deadline: queued or running with no sign of life, or a
    batch still importing that no import will finish."""
    since = now - timedelta(seconds=STUCK_AFTER_SECONDS)
    runs = session.execute(
        select(ImportRun, Product.slug)
        .join(Product, Product.id == ImportRun.product_id)
        .where(ImportRun.state.in_(PENDING), ImportRun.heartbeat_at < since)
    ).all()
    lines = [
        f"import {run.id} (batch {run.batch_id or 'not opened'}, product {slug}): {run.state} since "
        f"{_when(run.heartbeat_at)} with no sign of its job (attempt {run.attempts})"
        for run, slug in runs
    ]
    batches = session.execute(
        select(Batch, Product.slug)
        .join(Product, Product.id == Batch.product_id)
        .where(
            Batch.status == "importing",
            Batch.created_at < since,
            Batch.id.not_in(
                select(ImportRun.batch_id).where(ImportRun.state.in_(PENDING), ImportRun.batch_id.is_not(None))
            ),
        )
    ).all()
    lines += [
        f"batch {batch.id} (product {slug}, {batch.source}): importing since {_when(batch.created_at)}, "
        f"interrupted with no import running; resume it (`keyshop codes import {slug} FILE --resume "
        f"{batch.id}`) or discard it"
        for batch, slug in batches
    ]
    session.rollback()
    return lines


def leftover_uploads(instance_path: Path, session: Session) -> list[str]:
    """One line per plaintext upload on disk that no queued or running import will read (a minute's
    grace: a file is parked just before its import row is written)."""
    pending, grace = pending_paths(session), time.time() - 60
    lines = []
    for path in parked_files(Path(instance_path)):
        try:
            size, mtime = path.stat().st_size, path.stat().st_mtime
        except FileNotFoundError:  # its import ended while we looked
            continue
        if str(path) not in pending and mtime < grace:
            lines.append(
                f"{path}: a plaintext upload ({size} bytes, since {_when(modified(path))}) "
                f"that no running import will read"
            )
    return lines


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")
