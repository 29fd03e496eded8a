"""The team inbox: conversations, replies with templates, notes, assignment, and the metrics."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext
from sqlalchemy import select

from app.core.errors import BuyerError
from app.core.extensions import db
from app.core.languages import LANGUAGES
from app.core.models import Order
from app.core.staff import Staff
from app.web.admin import bp, staff_required
from app.web.admin.chart_words import alert_words
from app.web.shared import settings
from feedback.held_queue import held_reports
from feedback.models import CodeReport
from feedback.report_metrics import report_handling
from feedback.support import desk
from feedback.support.inbox import VIEWS, inbox, is_overdue
from feedback.support.low_ratings import LOW_SCORES, low_ratings
from feedback.support.metrics import WINDOWS, support_metrics
from feedback.support.models import Conversation, Message
from feedback.support.target_metrics import target_report
from feedback.support.templates import TemplateError, fill, save_template, templates_for
from feedback.support.urgency import standing
from payments.models import Payment
from payments.refunds import refunds_of


@bp.get("/inbox")
@staff_required
def support_inbox():
    view = request.args.get("view", "waiting_us")
    rows = inbox(db.session, g.actor.email, view, request.args.get("kind", ""), request.args.get("locale", ""))
    return render_template(
        "admin/inbox.html",
        rows=rows,
        view=view,
        views=VIEWS,
        is_overdue=is_overdue,
        standing=standing,
        held=held_reports(db.session),
    )


@bp.get("/conversations/<number>")
@staff_required
def conversation_page(number: str):
    conversation = _by_number(number)
    messages = db.session.scalars(
        select(Message).where(Message.conversation_id == conversation.id).order_by(Message.id)
    ).all()
    order = db.session.get(Order, conversation.order_id) if conversation.order_id else None
    context = _order_context(order)
    templates = [(t, fill(db.session, t.body, conversation)) for t in templates_for(db.session, conversation.locale)]
    staff = db.session.scalars(select(Staff.email).where(Staff.active).order_by(Staff.email)).all()
    return render_template(
        "admin/conversation.html",
        c=conversation,
        messages=messages,
        templates=templates,
        staff=staff,
        overdue=is_overdue(conversation),
        **context,
    )


@bp.post("/conversations/<number>/<any(reply, note, resolve, reopen, assign):action>")
@staff_required
def conversation_action(number: str, action: str):
    conversation_id = _by_number(number).id
    db.session.rollback()
    form, deadlines = request.form, settings().support_deadline_hours
    try:
        if action == "reply":
            desk.reply(db.session, g.actor, conversation_id, form.get("body", ""), resolve=bool(form.get("resolve")))
        elif action == "note":
            desk.note(db.session, g.actor, conversation_id, form.get("body", ""))
        elif action == "resolve":
            desk.resolve_conversation(db.session, g.actor, conversation_id)
        elif action == "reopen":
            desk.reopen(db.session, g.actor, conversation_id, deadlines)
        else:
            desk.assign(db.session, g.actor, conversation_id, _assignee(form.get("assignee", "")))
    except (BuyerError, AssignError) as exc:  # SupportError, the text's own (TextError: too long, …)
        flash(gettext("Not done: %(why)s", why=exc))
    return redirect(url_for("admin.conversation_page", number=number))


@bp.route("/reply-templates", methods=["GET", "POST"])
@staff_required
def reply_templates():
    if request.method == "POST":
        try:
            if request.form.get("locale", "") not in LANGUAGES:
                raise TemplateError(gettext("locale: one of %(choices)s", choices=", ".join(LANGUAGES)))
            save_template(
                db.session,
                g.actor,
                request.form.get("name", ""),
                request.form.get("locale", ""),
                request.form.get("body", ""),
            )
            flash(gettext("Template saved."))
        except TemplateError as exc:
            flash(gettext("Not saved: %(why)s", why=exc))
        return redirect(url_for("admin.reply_templates"))
    return render_template("admin/reply_templates.html", templates=templates_for(db.session, ""))


@bp.get("/support/metrics")
@staff_required
def support_metrics_page():
    days, highest = _choice("days", WINDOWS, 30), _choice("low", LOW_SCORES, 2)
    return render_template(
        "admin/support_metrics.html",
        windows=[support_metrics(db.session, days) for days in WINDOWS],
        report_windows=[report_handling(db.session, days) for days in WINDOWS],
        alert_words=alert_words,
        targets=target_report(db.session, days),
        low=low_ratings(db.session, days, highest),
        low_highest=highest,
    )


def _choice(name: str, choices: tuple[int, ...], default: int) -> int:
    """A number of the page's own links; anything else is a 400 naming the parameter."""
    raw = request.args.get(name, str(default))
    if raw not in {str(choice) for choice in choices}:
        abort(400, f"{name}: one of {', '.join(map(str, choices))}")
    return int(raw)


def _order_context(order: Order | None) -> dict:
    """What the agent sees beside the thread: the order, its payments, refunds and code reports."""
    if order is None:
        return {"order": None, "payments": [], "refunds": [], "reports": []}
    return {
        "order": order,
        "refunds": refunds_of(db.session, order.id),
        "payments": db.session.scalars(select(Payment).where(Payment.order_id == order.id)).all(),
        "reports": db.session.scalars(select(CodeReport).where(CodeReport.order_id == order.id)).all(),
    }


class AssignError(ValueError):
    """Staff-facing, so not a BuyerError (whose messages are translated for buyers)."""


def _assignee(raw: str) -> str:
    """One of the staff, or nobody (""); anything else is refused before it reaches the row."""
    email = raw.strip().lower()
    known = not email or db.session.scalar(select(Staff.id).where(Staff.email == email, Staff.active)) is not None
    db.session.rollback()  # a read; the assignment is its own write
    if not known:
        raise AssignError(gettext("assignee: not one of the staff"))
    return email


def _by_number(number: str) -> Conversation:
    return db.session.scalar(select(Conversation).where(Conversation.number == number)) or abort(404)
