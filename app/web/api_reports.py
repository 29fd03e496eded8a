"""Reports of codes that do not work, for the merchant's scripts ("reports" scope): the list staff
see, and the same three decisions staff make (replace from stock, refund, reject with a word to the
buyer) through feedback.decisions, the script acting as an agent. Never a code."""

from __future__ import annotations

from flask import Blueprint, abort, g, jsonify, request
from sqlalchemy import select

from app.core.audit import Actor
from app.core.extensions import db
from app.core.models import Order
from app.web.api_fields import FieldError, refused, text_arg, whole_arg
from app.web.api_stock import scope_required
from feedback import decisions
from feedback.models import REPORT_STATES, CodeReport
from feedback.report_list import ReportRow, report_list

bp = Blueprint("api_reports", __name__, url_prefix="/api/v1/merchant")
bp.register_error_handler(FieldError, refused)
DECISIONS = ("replace", "refund", "reject")
SEVERAL = ("replace", "reject")  # a refund's amount is one order's: one report at a time
MOST_LISTED, LONGEST_MESSAGE, MOST_AT_ONCE = 500, 1000, 50


@bp.get("/reports")
@scope_required("reports")
def list_reports():
    """?status= (open by default; the worst waiting first), ?limit= (at most 500)."""
    status = text_arg("status", 16, REPORT_STATES) or "open"
    rows = report_list(db.session, status, whole_arg("limit", 100, MOST_LISTED))
    return jsonify(reports=[_listed(row) for row in rows])


@bp.post("/reports/<int:report_id>/decision")
@scope_required("reports")
def decide_report(report_id: int):
    """{decision: replace | refund | reject, batch_id (replace, optional), amount_minor (refund),
    message (reject)}."""
    fields = _decision_fields(request.get_json(silent=True))
    db.session.get(CodeReport, report_id) or abort(404, "no such report")
    db.session.rollback()  # the read is done; the decision is a write transaction of its own
    _apply(report_id, *fields)
    return jsonify(_decided(report_id))


@bp.post("/reports/decisions")
@scope_required("reports")
def decide_reports():
    """{reports: [ids], decision: replace | reject, batch_id?, message?}: each report decided on its
    own (one refused leaves the others decided); each answered with its state or its refusal."""
    data = request.get_json(silent=True)
    fields = _decision_fields(data)
    report_ids = _report_ids(data)
    if fields[0] not in SEVERAL:
        raise FieldError("decision", f"one of {', '.join(SEVERAL)} for several reports at once")
    return jsonify(results=[_decided_or_refused(report_id, fields) for report_id in report_ids])


def _decided_or_refused(report_id: int, fields: tuple) -> dict:
    if db.session.get(CodeReport, report_id) is None:
        db.session.rollback()
        return {"id": report_id, "error": {"field": "report", "message": "no such report"}}
    db.session.rollback()
    try:
        _apply(report_id, *fields)
    except FieldError as exc:
        return {"id": report_id, "error": {"field": exc.field, "message": str(exc)}}
    return _decided(report_id)


def _apply(report_id: int, decision: str, amount: int, message: str, batch_id: int | None) -> None:
    actor = Actor(g.api_actor, "agent")
    try:
        if decision == "replace":
            decisions.replace_reported(db.session, actor, report_id, batch_id)
        elif decision == "refund":
            decisions.refund_reported(db.session, actor, report_id, amount)
        else:
            decisions.reject_report(db.session, actor, report_id, message)
    except (ValueError, decisions.DecisionError) as exc:  # a TextError is a ValueError too
        field, _, why = str(exc).partition(": ")
        raise FieldError(field, why or str(exc), 409 if field in ("report", "order", "stock") else 422) from None


def _report_ids(data: dict) -> list[int]:
    ids = data.get("reports")
    if not isinstance(ids, list) or not 1 <= len(ids) <= MOST_AT_ONCE:
        raise FieldError("reports", f"a list of 1 to {MOST_AT_ONCE} report ids")
    if any(type(i) is not int or not 1 <= i <= 2**31 - 1 for i in ids) or len(set(ids)) != len(ids):
        raise FieldError("reports", "report ids, each once")
    return ids


def _decision_fields(data) -> tuple[str, int, str, int | None]:
    if not isinstance(data, dict):
        raise FieldError("body", "expected a JSON object", 400)
    decision, amount, message = data.get("decision"), data.get("amount_minor", 0), data.get("message", "")
    batch_id = data.get("batch_id")
    if decision not in DECISIONS:
        raise FieldError("decision", f"one of {', '.join(DECISIONS)}")
    if decision == "refund" and (type(amount) is not int or not 1 <= amount <= 2**31 - 1):  # bool is an int too
        raise FieldError("amount_minor", "a refund's whole number of minor units, at least 1")
    if not isinstance(message, str) or len(message) > LONGEST_MESSAGE:
        raise FieldError("message", f"text of at most {LONGEST_MESSAGE} characters")
    if batch_id is not None and (type(batch_id) is not int or not 1 <= batch_id <= 2**31 - 1):
        raise FieldError("batch_id", "a batch's id, or left out for the best batch")
    return decision, amount, message, batch_id


def _listed(row: ReportRow) -> dict:
    return {
        "id": row.id,
        "status": row.status,
        "order": row.order_number,
        "product": row.product,
        "batch": row.batch,
        "supplier": row.supplier,
        "buyer": row.buyer,
        "reason": row.reason,
        "text": row.text,
        "held_because": row.held_because,
        "message": row.message,
        "resolved_by": row.resolved_by,
        "created_at": row.created_at.isoformat() + "Z",
        "unit_price_minor": row.unit_price_minor,
        "currency": row.currency,
        "buyer_history": {"reports": row.history.reports, "rejected": row.history.rejected},
    }


def _decided(report_id: int) -> dict:
    report, number = db.session.execute(
        select(CodeReport, Order.number).join(Order, Order.id == CodeReport.order_id).where(CodeReport.id == report_id)
    ).one()
    return {
        "id": report.id,
        "status": report.status,
        "order": number,
        "resolved_by": report.resolved_by,
        "refund_id": report.refund_id,
        "replaced": report.replacement_code_id is not None,
    }
