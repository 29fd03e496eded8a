"""RQ entry points. They take ids, run inside an app context (see delivery.worker), and are idempotent."""
from __future__ import annotations

from app.extensions import db
from delivery.fulfil import fulfil


def fulfil_order(order_id: int) -> str:
    return fulfil(db.session, order_id)
