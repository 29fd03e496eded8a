"""The audit log for owners: every staff action and every decryption, newest first, and as CSV."""
from __future__ import annotations

import csv
import io

from flask import Response, g, render_template, request
from sqlalchemy import func, select

from app.audit import AuditEntry, audit
from app.db import write_transaction
from app.csv_cells import safe_cell
from app.extensions import db
from app.web.admin import bp, owner_required

PAGE_SIZE = 100
COLUMNS = ("id", "created_at", "actor", "action", "target", "reason", "detail")


@bp.get("/audit")
@owner_required
def audit_log():
    where, page = _filters(), max(1, request.args.get("page", 1, type=int))
    total = db.session.scalar(select(func.count()).select_from(AuditEntry).where(*where))
    rows = db.session.scalars(select(AuditEntry).where(*where).order_by(AuditEntry.id.desc())
                              .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
    return render_template("admin/audit.html", rows=rows, page=page, pages=max(1, -(-total // PAGE_SIZE)),
                           action=request.args.get("action", ""), actor=request.args.get("actor", ""))


@bp.get("/audit.csv")
@owner_required
def audit_export():
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for entry in db.session.scalars(select(AuditEntry).where(*_filters()).order_by(AuditEntry.id)):
        writer.writerow([safe_cell(getattr(entry, column)) for column in COLUMNS])
    db.session.rollback()
    with write_transaction(db.session):  # the export is itself an action
        audit(db.session, g.actor.email, "app.audit.exported", detail=request.query_string.decode()[:200])
    return Response(out.getvalue(), content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": "attachment; filename=audit.csv", "Cache-Control": "no-store"})


def _filters() -> list:
    where = []
    if action := request.args.get("action", "").strip():
        where.append(AuditEntry.action.startswith(action))
    if actor := request.args.get("actor", "").strip().lower():
        where.append(AuditEntry.actor == actor)
    return where

