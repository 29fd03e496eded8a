"""The buyer's support pages: contact from an order or a product, then the conversation's own page."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext
from sqlalchemy import select

from app.core.errors import BuyerError
from app.core.extensions import db
from app.core.i18n import current_language, translated_error
from app.core.models import Product
from app.core.rate_limit import allow, client_address
from app.web.csrf import check_csrf
from app.web.shared import order_for_token, settings
from app.web.visitor import known_visitor
from feedback.help.events import question_sent
from feedback.support import attachments
from feedback.support.conversations import (
    Opening,
    buyer_messages,
    buyer_writes,
    conversation_token,
    find_conversation,
    open_conversation,
)
from feedback.support.models import TOPICS, Attachment, Message, Rating
from feedback.support.survey import rate

bp = Blueprint("support", __name__)
bp.before_request(check_csrf)
ORDER_TOPICS = [topic for topic, kind in TOPICS.items() if kind != "presale"]


@bp.route("/o/<token>/support", methods=["GET", "POST"])
def from_order(token: str):
    order = order_for_token(token) or abort(404)
    db.session.rollback()
    form = request.form if request.method == "POST" else {"topic": request.args.get("topic") or _suggest(order)}
    if request.method == "POST":
        _limit("write")
        opening = Opening(
            order.email,
            form.get("topic", ""),
            form.get("message", ""),
            form.get("name", ""),
            order.locale,
            order.order_id,
            _product_id(order.product_slug),
            f"{order.number}: {order.product_name}",
        )
        return _open(opening, lambda error: _form(order=order, token=token, form=form, error=error))
    return _form(order=order, token=token, form=form)


@bp.route("/p/<slug>/ask", methods=["GET", "POST"])
def ask(slug: str):
    product_id = _product_id(slug) or abort(404)
    form = request.form if request.method == "POST" else {}
    if request.method == "POST":
        _limit("write")
        opening = _question(form, product_id, f"Question about {slug}")
        return _open(opening, lambda error: _form(slug=slug, form=form, error=error))
    return _form(slug=slug, form=form)


@bp.route("/ask", methods=["GET", "POST"])
def ask_general():
    """A question about nothing in particular: reached from the help center and the widget."""
    form = request.form if request.method == "POST" else {}
    if request.method == "POST":
        _limit("write")
        opening = _question(form, None, "Question")
        return _open(opening, lambda error: _form(form=form, error=error))
    return _form(form=form)


@bp.get("/c/<token>")
def conversation(token: str):
    found = find_conversation(db.session, token) or abort(404)
    rated = db.session.scalar(select(Rating.id).where(Rating.conversation_id == found.id)) is not None
    files = _files(found.id)
    response = make_response(
        render_template(
            "conversation.html",
            conversation=found,
            token=token,
            rated=rated,
            messages=buyer_messages(db.session, found.id),
            files=files,
        )
    )
    response.headers["Cache-Control"], response.headers["Referrer-Policy"] = "no-store", "no-referrer"
    return response


@bp.post("/c/<token>/reply")
def reply(token: str):
    found = find_conversation(db.session, token) or abort(404)
    conversation_id = found.id
    db.session.rollback()
    _limit("write")
    try:
        buyer_writes(
            db.session, settings().support_deadline_hours, conversation_id, request.form.get("message", ""), _image()
        )
        flash(gettext("Sent. We answer here and by mail."))
    except BuyerError as exc:  # SupportError, AttachmentError, TextError
        flash(gettext("Not sent: %(reason)s", reason=translated_error(exc)))
    return redirect(url_for("support.conversation", token=token), code=303)


@bp.post("/c/<token>/rate")
def rating(token: str):
    found = find_conversation(db.session, token) or abort(404)
    conversation_id = found.id
    db.session.rollback()
    try:
        rate(db.session, conversation_id, request.form.get("score"), request.form.get("comment", ""))
        flash(gettext("Thank you for rating us."))
    except BuyerError as exc:
        flash(translated_error(exc))
    return redirect(url_for("support.conversation", token=token), code=303)


@bp.get("/c/<token>/files/<int:attachment_id>")
def attachment(token: str, attachment_id: int):
    found = find_conversation(db.session, token) or abort(404)
    row = db.session.execute(
        select(Attachment)
        .join(Message, Message.id == Attachment.message_id)
        .where(Attachment.id == attachment_id, Message.conversation_id == found.id, Message.author_kind != "note")
    ).scalar_one_or_none() or abort(404)
    response = Response(row.data, content_type=row.content_type)
    response.headers["X-Content-Type-Options"], response.headers["Cache-Control"] = "nosniff", "private, no-store"
    response.headers["Content-Disposition"] = "inline"
    return response


def _open(opening: Opening, again):
    try:
        opened = open_conversation(db.session, settings().support_deadline_hours, opening, _image())
    except BuyerError as exc:  # SupportError, AttachmentError, TextError
        return again(translated_error(exc)), 400
    visitor = known_visitor()
    if visitor:
        question_sent(db.session, visitor, request.form.get("suggested") == "1")
    flash(
        gettext(
            "Conversation %(number)s is open; we sent its link to %(email)s.", number=opened.number, email=opening.email
        )
    )
    return redirect(url_for("support.conversation", token=conversation_token(opened.number)), code=303)


def _image() -> attachments.Upload | None:
    upload = request.files.get("image")
    return attachments.checked_upload(upload.filename, upload.read(attachments.MAX_BYTES + 1)) if upload else None


def _form(**values):
    values.setdefault("error", "")
    return render_template("support_new.html", order_topics=ORDER_TOPICS, **values)


def _suggest(order) -> str:
    return {
        "pending": "order_status",
        "paid": "order_status",
        "awaiting_stock": "missing_code",
        "refunded": "refund",
        "review": "order_status",
    }.get(order.status, "defective_code")


def _product_id(slug: str) -> int | None:
    product_id = db.session.scalar(select(Product.id).where(Product.slug == slug, Product.active))
    db.session.rollback()
    return product_id


def _files(conversation_id: int) -> dict[int, list[tuple[int, str]]]:
    rows = db.session.execute(
        select(Attachment.message_id, Attachment.id, Attachment.filename)
        .join(Message, Message.id == Attachment.message_id)
        .where(Message.conversation_id == conversation_id, Message.author_kind != "note")
    ).all()
    files: dict[int, list[tuple[int, str]]] = {}
    for message_id, attachment_id, filename in rows:
        files.setdefault(message_id, []).append((attachment_id, filename))
    return files


def _limit(name: str) -> None:
    if not allow(f"support-{name}", f"ip:{client_address()}", 30, 3600):
        abort(429)


def _question(form, product_id: int | None, subject: str) -> Opening:
    """A buyer's question before (or without) an order: about a product, or about nothing in particular."""
    return Opening(
        form.get("email", ""),
        "question",
        form.get("message", ""),
        form.get("name", ""),
        current_language(),
        None,
        product_id,
        subject,
    )
