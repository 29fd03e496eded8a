"""GET /return/<provider>?next=/o/<token>: where a provider sends the buyer back after paying."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, request

from app.core.extensions import db
from delivery.intake import accept_return
from payments.registry import provider as find_provider

bp = Blueprint("payment_return", __name__)


@bp.get("/return/<name>")
def payment_return(name: str):
    adapter = find_provider(name)
    target = request.args.get("next", "")
    if adapter is None or not target.startswith("/o/") or "//" in target:  # never an open redirect
        abort(404)
    accept_return(db.session, adapter, request.args.to_dict())
    return redirect(target, code=303)
