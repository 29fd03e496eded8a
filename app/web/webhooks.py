"""POST (and GET, for query-string protocols) /webhooks/<provider>: verify, record, enqueue, answer."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, request

from app.core.extensions import db
from delivery.intake import accept_webhook
from delivery.metrics import count_webhook
from payments.registry import provider as find_provider

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")


@bp.route("/<name>", methods=["POST", "GET"])
def receive(name: str):
    adapter = find_provider(name)
    if adapter is None:
        abort(404)
    reply = accept_webhook(db.session, adapter, request.headers, request.get_data(cache=False), request.args.to_dict())
    count_webhook(current_app.extensions["keyshop.redis"], name, reply.status)
    return Response(reply.body, status=reply.status, content_type=reply.content_type)
