"""GET /healthz: can we take and deliver orders? GET /metrics: Prometheus, for an API token with the
`stock` scope."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify
from sqlalchemy import func, select, text

from app.core.db import utcnow
from app.core.extensions import db
from app.core.models import Order
from app.web.api_stock import scope_required
from delivery import metrics
from delivery.ledger.alarm import last_result
from delivery.queues import QUEUES, queue

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    checks = {
        "database": _check(lambda: db.session.execute(text("SELECT 1"))),
        "redis": _check(lambda: current_app.extensions["keyshop.redis"].ping()),
    }
    healthy = all(value == "ok" for value in checks.values())
    body = {"status": "ok" if healthy else "unavailable", "checks": checks}
    if healthy:
        body["queues"] = {name: queue(name).count for name in QUEUES}
        body["oldest_undelivered_paid_seconds"] = _oldest_undelivered()
        body["ledger"] = last_result(current_app.extensions["keyshop.redis"])
    return jsonify(body), 200 if healthy else 503


@bp.get("/metrics")
@scope_required("stock")
def prometheus():
    return Response(
        metrics.render(db.session, current_app.extensions["keyshop.redis"]), content_type="text/plain; version=0.0.4"
    )


def _oldest_undelivered() -> float | None:
    oldest = db.session.scalar(select(func.min(Order.paid_at)).where(Order.status == "paid"))
    return round((utcnow() - oldest).total_seconds(), 1) if oldest else None


def _check(probe) -> str:
    try:
        probe()
        return "ok"
    except Exception as exc:  # a health check reports every failure rather than raising it
        return f"error: {type(exc).__name__}"
