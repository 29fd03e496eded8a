"""Uploads from the admin page and the API: small ones import at once, large ones run as a job.

A large upload waits in the instance's uploads folder (mode 0600) only while its import runs: the
run deletes it when it finishes or fails, and the sweeper when the import is given up
(delivery.import_runs, delivery.import_sweep).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from sqlalchemy.orm import Session

from app.core.models import Product
from keystore.importer import ImportResult, import_codes
from keystore.keyring import Keyring
from keystore.readers import reader_for

INLINE_LIMIT = 2 * 1024 * 1024  # bytes; past this an upload becomes a job


def runs_as_job(size: int, dry_run: bool, limit: int | None = None) -> bool:
    """A dry run is always answered at once; `limit` lets tests send small files down the job path."""
    return not dry_run and size > (INLINE_LIMIT if limit is None else limit)


def import_upload(
    session: Session,
    keyring: Keyring,
    product: Product,
    lines: BinaryIO,
    *,
    name: str,
    source: str,
    uploaded_by: str,
    supplier: str = "",
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    return import_codes(
        session,
        keyring,
        product.id,
        reader_for(product)(lines),
        name=name,
        source=source,
        uploaded_by=uploaded_by,
        supplier=supplier,
        dry_run=dry_run,
        progress=progress,
        keep_partial=False,
    )


def park_upload(instance: Path, data: BinaryIO) -> Path:
    """Write the upload where the import job can read it; returns its path."""
    folder = Path(instance) / "uploads"
    folder.mkdir(mode=0o700, exist_ok=True)
    path = folder / f"{secrets.token_hex(16)}.upload"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        while chunk := data.read(1 << 20):
            handle.write(chunk)
    return path


def count_lines(path: Path) -> int:
    with open(path, "rb") as handle:
        return sum(1 for _ in handle)
