"""Owners set up the merchant's webhook endpoints (delivery.webhooks): add one (its secret shown this
once), change or disable it, rotate its secret, send a test event, read its delivery log and replay a
message. The URL is never shown back, only its scheme, host and the path's last characters."""

from __future__ import annotations

import secrets

from flask import abort, current_app, flash, g, make_response, redirect, render_template, request, url_for
from flask_babel import gettext

from app.core.extensions import db
from app.core.webhook_outbox import EVENT_TYPES
from app.web.admin import bp, enabled_field, owner_required
from delivery.webhooks.endpoints import (
    EndpointError,
    EndpointForm,
    add_endpoint,
    change_endpoint,
    delete_endpoint,
    endpoint_rows,
    set_enabled,
)
from delivery.webhooks.history import delivery_log, replay_message, send_test_event
from delivery.webhooks.signing_keys import rotate_secret


def _keyring():
    return current_app.extensions["keyshop.keyring"]


def _form() -> EndpointForm:
    form = request.form
    return EndpointForm(form.get("url", ""), form.get("description", ""), tuple(form.getlist("events")))


def _secret_page(endpoint_id: int, secret: str):
    """The secret, shown once: a page of its own, never stored in a flash message or a cache."""
    answer = make_response(render_template("admin/webhook_secret.html", endpoint_id=endpoint_id, secret=secret))
    answer.headers["Cache-Control"] = "no-store"
    return answer


@bp.get("/webhooks")
@owner_required
def webhooks():
    return render_template("admin/webhooks.html", endpoints=endpoint_rows(db.session), events=EVENT_TYPES)


@bp.post("/webhooks")
@owner_required
def add_webhook():
    try:
        endpoint_id, secret = add_endpoint(db.session, _keyring(), g.actor, _form())
    except EndpointError as exc:
        abort(400, str(exc))
    return _secret_page(endpoint_id, secret)


@bp.get("/webhooks/<int:endpoint_id>")
@owner_required
def webhook(endpoint_id: int):
    found = endpoint_rows(db.session, endpoint_id)
    if not found:
        abort(404)
    log = delivery_log(db.session, endpoint_id)
    return render_template("admin/webhook.html", endpoint=found[0], events=EVENT_TYPES, log=log)


@bp.post("/webhooks/<int:endpoint_id>")
@owner_required
def change_webhook(endpoint_id: int):
    try:
        changed = change_endpoint(db.session, _keyring(), g.actor, endpoint_id, _form())
    except EndpointError as exc:
        abort(400, str(exc))
    if not changed:
        abort(404)
    flash(gettext("Webhook endpoint saved."))
    return redirect(url_for("admin.webhook", endpoint_id=endpoint_id))


@bp.post("/webhooks/<int:endpoint_id>/enabled")
@owner_required
def enable_webhook(endpoint_id: int):
    enabled = enabled_field()
    if not set_enabled(db.session, g.actor, endpoint_id, enabled):
        abort(404)
    flash(gettext("Webhook endpoint enabled.") if enabled else gettext("Webhook endpoint disabled."))
    return redirect(url_for("admin.webhook", endpoint_id=endpoint_id))


@bp.post("/webhooks/<int:endpoint_id>/rotate")
@owner_required
def rotate_webhook_secret(endpoint_id: int):
    secret = rotate_secret(db.session, _keyring(), g.actor, endpoint_id)
    if secret is None:
        abort(404)
    return _secret_page(endpoint_id, secret)


@bp.post("/webhooks/<int:endpoint_id>/test")
@owner_required
def test_webhook(endpoint_id: int):
    if not send_test_event(db.session, g.actor, endpoint_id, secrets.token_hex(8)):
        abort(404)
    flash(gettext("A test event is on its way: its answer shows in the log below."))
    return redirect(url_for("admin.webhook", endpoint_id=endpoint_id))


@bp.post("/webhooks/<int:endpoint_id>/messages/<int:message>/replay")
@owner_required
def replay_webhook(endpoint_id: int, message: int):
    if not replay_message(db.session, g.actor, endpoint_id, message):
        abort(404)
    flash(gettext("The message will be sent again, with the same webhook-id."))
    return redirect(url_for("admin.webhook", endpoint_id=endpoint_id))


@bp.post("/webhooks/<int:endpoint_id>/delete")
@owner_required
def delete_webhook(endpoint_id: int):
    if not delete_endpoint(db.session, g.actor, endpoint_id):
        abort(404)
    flash(gettext("Webhook endpoint deleted."))
    return redirect(url_for("admin.webhooks"))
