"""A staff export is itself an action: audited with its filters, then sent as a CSV download."""

from __future__ import annotations

from flask import Response, g, request

from app.core.audit import audit
from app.core.csv_cells import csv_bytes
from app.core.db import write_transaction
from app.core.extensions import db


def audited_csv(body: str, filename: str, action: str) -> Response:
    db.session.rollback()  # the read is done; the audit entry is its own write
    with write_transaction(db.session):
        audit(db.session, g.actor.email, action, detail=request.query_string.decode()[:200])
    return csv_download(body, filename)


def csv_download(body: str, filename: str) -> Response:
    """A CSV a spreadsheet opens right, kept out of every cache (exports hold buyers' data, or codes)."""
    return Response(
        csv_bytes(body),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f"attachment; filename={filename}", "Cache-Control": "no-store"},
    )
