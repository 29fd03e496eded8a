"""Large batch uploads as jobs, with progress the admin page and the API can show."""
from __future__ import annotations

import os
from pathlib import Path

from rq import get_current_job
from sqlalchemy.orm import Session

from app.models import Product
from delivery.backorders import release_waiting_orders
from delivery.queues import queue
from keystore.keyring import Keyring
from keystore.uploads import count_lines, import_upload


def enqueue_import(upload_path: Path, product_id: int, *, name: str, supplier: str, uploaded_by: str,
                   source: str) -> str:
    job = queue("imports").enqueue(
        "delivery.jobs.import_batch", str(upload_path), product_id, name, supplier, uploaded_by, source,
        job_timeout=3600, result_ttl=86400, failure_ttl=86400, meta={"total": count_lines(upload_path), "done": 0},
    )
    return job.id


def run_import(session: Session, keyring: Keyring, upload_path: str, product_id: int, **batch) -> dict:
    job = get_current_job()
    product = session.get(Product, product_id)
    session.expunge(product)
    session.rollback()

    def progress(lines: int) -> None:
        if job is not None:
            job.meta["done"] = job.meta.get("done", 0) + lines
            job.save_meta()

    try:
        with open(upload_path, "rb") as handle:
            result = import_upload(session, keyring, product, handle, progress=progress, **batch)
    finally:
        os.unlink(upload_path)  # plaintext codes never linger on disk, whatever happened
    if result.imported:
        release_waiting_orders(session, product_id)
    return result.as_json()


def import_status(job_id: str) -> dict | None:
    from rq.exceptions import NoSuchJobError
    from rq.job import Job

    try:
        job = Job.fetch(job_id, connection=queue("imports").connection)
    except (NoSuchJobError, ValueError):  # ValueError: not even the shape of a job id (found by the API fuzz test)
        return None
    status = job.get_status()
    body = {"id": job.id, "status": str(status.value if hasattr(status, "value") else status),
            "total": job.meta.get("total", 0), "done": job.meta.get("done", 0)}
    if body["status"] == "finished":
        body["result"] = job.return_value()
    if body["status"] == "failed":
        body["error"] = "the import failed; nothing of it is for sale. Staff can see the worker log."
    return body
