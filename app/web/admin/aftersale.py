"""Staff after-sale pages: the list of reports, reviews, and the complaint ranking."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext
from sqlalchemy import select

from app.core.errors import BuyerError
from app.core.extensions import db
from app.core.models import Order
from app.core.money import to_major, to_minor
from app.web.admin import bp, owner_required, staff_required
from app.web.numbers import column_int
from feedback import decisions, review_appeals, reviews, settings
from feedback.models import CodeReport, Review
from feedback.quality import ranking
from feedback.replacement_source import batch_choices
from feedback.report_list import report_list


@bp.get("/reports")
@staff_required
def reports():
    open_reports = report_list(db.session, "open")
    return render_template(
        "admin/reports.html",
        open_reports=open_reports,
        batch_choices={row.id: batch_choices(db.session, row.product_id, row.id) for row in open_reports},
        decision_minutes=settings.report_decision_minutes(db.session),
        to_major=to_major,
        decided={s: report_list(db.session, s, 20) for s in ("replaced", "refunded", "rejected")},
    )


@bp.post("/reports/<int:report_id>/<any(replace, refund, reject):action>")
@staff_required
def decide(report_id: int, action: str):
    try:
        if action == "replace":
            decisions.replace_reported(db.session, g.actor, report_id, _chosen_batch())
        elif action == "refund":
            decisions.refund_reported(db.session, g.actor, report_id, _amount(report_id))
        else:
            decisions.reject_report(db.session, g.actor, report_id, request.form.get("message", ""))
        flash(gettext("Report %(id)s: decided; the buyer is told by mail.", id=report_id))
    except (ValueError, decisions.DecisionError) as exc:
        flash(gettext("Report %(id)s not changed: %(why)s", id=report_id, why=exc))
    return redirect(url_for("admin.reports"))


@bp.get("/reviews")
@staff_required
def review_list():
    rows = db.session.scalars(select(Review).order_by(Review.created_at.desc()).limit(200)).all()
    return render_template("admin/reviews.html", reviews=rows, appeals=review_appeals.waiting_appeals(db.session))


@bp.post("/reviews/<int:review_id>/appeal/<any(restored, kept_hidden):decision>")
@staff_required
def appeal_decision(review_id: int, decision: str):
    if review_appeals.decide_appeal(db.session, g.actor, review_id, decision):
        flash(gettext("Review %(id)s: appeal decided.", id=review_id))
    else:
        flash(gettext("Review %(id)s: no appeal waiting (decided already?).", id=review_id))
    return redirect(url_for("admin.review_list"))


@bp.post("/reviews/<int:review_id>/<any(reply, hide, show):action>")
@staff_required
def review_action(review_id: int, action: str):
    try:
        if action == "reply":
            reviews.reply_to_review(db.session, g.actor, review_id, request.form.get("reply", ""))
        else:
            reviews.hide_review(db.session, g.actor, review_id, request.form.get("reason", ""), action == "hide")
    except BuyerError as exc:  # ReviewError, or the text's own
        flash(gettext("Review %(id)s not changed: %(why)s", id=review_id, why=exc))
    return redirect(url_for("admin.review_list"))


@bp.get("/quality")
@staff_required
def quality():
    return render_template(
        "admin/quality.html",
        products=ranking(db.session, "product"),
        batches=ranking(db.session, "batch"),
        suppliers=ranking(db.session, "supplier"),
    )


@bp.post("/products/<int:product_id>/report-policy")
@owner_required
def report_policy(product_id: int):
    form = request.form
    try:
        settings.set_report_policy(
            db.session, g.actor, product_id, form.get("report_policy", ""), form.get("replacement_limit", "")
        )
        flash(gettext("Report policy saved."))
    except settings.SettingError as exc:
        flash(gettext("Not saved: %(why)s", why=exc))
    return redirect(url_for("admin.product", product_id=product_id))


@bp.post("/reports/deadline")
@owner_required
def report_deadline():
    try:
        settings.set_report_decision_minutes(db.session, g.actor, request.form.get("minutes", ""))
        flash(gettext("Report decision deadline saved."))
    except settings.SettingError as exc:
        flash(gettext("Not saved: %(why)s", why=exc))
    return redirect(url_for("admin.reports"))


@bp.post("/batches/<int:batch_id>/complaint-threshold")
@owner_required
def complaint_threshold(batch_id: int):
    form = request.form
    try:
        settings.set_complaint_threshold(
            db.session, g.actor, batch_id, form.get("percent", ""), form.get("minimum", "")
        )
        flash(gettext("Batch %(id)s: complaint threshold saved.", id=batch_id))
    except settings.SettingError as exc:
        flash(gettext("Not saved: %(why)s", why=exc))
    return redirect(request.referrer or url_for("admin.quality"))


def _chosen_batch() -> int | None:
    """The batch staff picked to replace from; none picked: the best batch (feedback.replacement_source)."""
    raw = request.form.get("batch_id", "").strip()
    if not raw:
        return None
    batch_id = column_int(raw, 1)
    if batch_id is None:
        abort(400, gettext("batch_id: a batch's id from the list, or empty for the best batch"))
    return batch_id


def _amount(report_id: int) -> int:
    """The refund amount typed in the order's currency (major units, "4.99"), in minor units."""
    currency = db.session.scalar(
        select(Order.currency).join(CodeReport, CodeReport.order_id == Order.id).where(CodeReport.id == report_id)
    )
    db.session.rollback()
    if currency is None:
        raise decisions.DecisionError(f"report: there is no report {report_id}")
    return to_minor(request.form.get("amount", ""), currency)
