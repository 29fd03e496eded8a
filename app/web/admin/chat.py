"""Owners set up the chat channels (delivery.chat): add one with its Apprise URL and events, send a
test, edit it (its URL replaced only when a new one is typed), disable or enable it, delete it. The URL
is never shown back, only masked."""

from __future__ import annotations

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext

from app.core.extensions import db
from app.web.admin import bp, enabled_field, owner_required
from delivery.chat.channels import ChannelError, NewChannel, add_channel, channel_rows, delete_channel, set_enabled
from delivery.chat.editing import ChannelEdit, edit_channel
from delivery.chat.trial import NoChannel, send_test_message
from delivery.notifications.events import EVENTS


def _keyring():
    return current_app.extensions["keyshop.keyring"]


@bp.get("/chat")
@owner_required
def chat_channels():
    return render_template("admin/chat.html", channels=channel_rows(db.session), events=EVENTS)


@bp.post("/chat")
@owner_required
def add_chat_channel():
    form = request.form
    new = NewChannel(form.get("name", ""), form.get("url", ""), tuple(form.getlist("events")))
    try:
        add_channel(db.session, _keyring(), g.actor, new)
    except ChannelError as exc:
        abort(400, str(exc))
    flash(gettext("Chat channel added."))
    return redirect(url_for("admin.chat_channels"))


@bp.post("/chat/<int:channel_id>")
@owner_required
def edit_chat_channel(channel_id: int):
    form = request.form
    edit = ChannelEdit(form.get("name", ""), tuple(form.getlist("events")), enabled_field("0"), form.get("url", ""))
    try:
        found = edit_channel(db.session, _keyring(), g.actor, channel_id, edit)
    except ChannelError as exc:
        abort(400, str(exc))
    if not found:
        abort(404)
    flash(gettext("Chat channel changed."))
    return redirect(url_for("admin.chat_channels"))


@bp.post("/chat/<int:channel_id>/test")
@owner_required
def test_chat_channel(channel_id: int):
    try:
        problem = send_test_message(db.session, _keyring(), channel_id)
    except NoChannel:
        abort(404)
    if problem:
        flash(gettext("The test message did not go: %(problem)s", problem=problem))
    else:
        flash(gettext("The test message was sent."))
    return redirect(url_for("admin.chat_channels"))


@bp.post("/chat/<int:channel_id>/enabled")
@owner_required
def enable_chat_channel(channel_id: int):
    enabled = enabled_field()
    if not set_enabled(db.session, g.actor, channel_id, enabled):
        abort(404)
    flash(gettext("Chat channel enabled.") if enabled else gettext("Chat channel disabled."))
    return redirect(url_for("admin.chat_channels"))


@bp.post("/chat/<int:channel_id>/delete")
@owner_required
def delete_chat_channel(channel_id: int):
    if not delete_channel(db.session, g.actor, channel_id):
        abort(404)
    flash(gettext("Chat channel deleted."))
    return redirect(url_for("admin.chat_channels"))
