"""The audit log for owners: every staff action and every decryption, newest first, and as CSV."""

from __future__ import annotations

from flask import render_template, request
from sqlalchemy import func, select

from app.core.audit import AuditEntry
from app.core.csv_cells import csv_text
from app.core.extensions import db
from app.web.admin import bp, owner_required
from app.web.admin.exports import audited_csv
from app.web.numbers import column_int

PAGE_SIZE = 100
FILTER_LENGTH = 254
MAX_PAGE = 10**6  # a page past every entry is empty; one past this would be an offset no database takes
COLUMNS = ("id", "created_at", "actor", "action", "target", "reason", "detail")


@bp.get("/audit")
@owner_required
def audit_log():
    where, page = _filters(), column_int(request.args.get("page", ""), low=1, high=MAX_PAGE) or 1
    total = db.session.scalar(select(func.count()).select_from(AuditEntry).where(*where))
    rows = db.session.scalars(
        select(AuditEntry).where(*where).order_by(AuditEntry.id.desc()).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    ).all()
    return render_template(
        "admin/audit.html",
        rows=rows,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        action=request.args.get("action", ""),
        actor=request.args.get("actor", ""),
    )


@bp.get("/audit.csv")
@owner_required
def audit_export():
    entries = db.session.scalars(select(AuditEntry).where(*_filters()).order_by(AuditEntry.id))
    body = csv_text(COLUMNS, ([getattr(entry, column) for column in COLUMNS] for entry in entries))
    return audited_csv(body, "audit.csv", "app.audit.exported")


def _filters() -> list:
    where = []
    # Cut to what a column holds: SQLite refuses a LIKE pattern past 50,000 bytes ("too complex").
    if action := request.args.get("action", "").strip()[:FILTER_LENGTH]:
        where.append(AuditEntry.action.startswith(action))
    if actor := request.args.get("actor", "").strip().lower()[:FILTER_LENGTH]:
        where.append(AuditEntry.actor == actor)
    return where
