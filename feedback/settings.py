"""The owner's after-sale settings: a product's report policy, a batch's complaint threshold."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from app.core.audit import Actor, audit, require_owner
from app.core.db import write_transaction
from app.core.models import Product
from app.core.shop_settings import change_setting, setting
from keystore.models import Batch

POLICIES = ("replace", "hold")
MOST_MINUTES = 60 * 24 * 14  # two weeks: a deadline further off is no deadline


class SettingError(ValueError):
    """The setting cannot be taken; the message names the field."""


def set_report_policy(session: Session, actor: Actor, product_id: int, policy: str, limit) -> None:
    require_owner(actor, "change the report policy")
    if policy not in POLICIES:
        raise SettingError(f"report_policy: must be one of {', '.join(POLICIES)}")
    limit = _whole("replacement_limit", limit, 0, 1000)
    with write_transaction(session):
        session.execute(
            update(Product).where(Product.id == product_id).values(report_policy=policy, replacement_limit=limit)
        )
        audit(
            session,
            actor.email,
            "shop.product.report_policy",
            f"product:{product_id}",
            detail=f"{policy}, at most {limit} replacement(s) per buyer",
        )


def report_decision_minutes(session: Session) -> int:
    return int(setting(session, "report_decision_minutes"))


def set_complaint_threshold(session: Session, actor: Actor, batch_id: int, percent, minimum) -> None:
    require_owner(actor, "change a complaint threshold")
    percent = _whole("complaint_threshold_pct", percent, 1, 100)
    minimum = _whole("complaint_min_reports", minimum, 1, 10**6)
    with write_transaction(session):
        session.execute(
            update(Batch)
            .where(Batch.id == batch_id)
            .values(complaint_threshold_pct=percent, complaint_min_reports=minimum)
        )
        audit(
            session,
            actor.email,
            "keystore.batch.complaint_threshold",
            f"batch:{batch_id}",
            detail=f"{percent}% once {minimum} report(s)",
        )


def set_report_decision_minutes(session: Session, actor: Actor, minutes) -> None:
    """How long after the hold a held report's first decision is due (feedback.held_deadlines);
    reports held from now on get it, those already held keep theirs."""
    require_owner(actor, "change the report decision deadline")
    minutes = _whole("report_decision_minutes", minutes, 1, MOST_MINUTES)
    change_setting(session, actor, "report_decision_minutes", str(minutes))


def _whole(field: str, raw, low: int, high: int) -> int:
    try:
        value = int(str(raw).strip())
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        raise SettingError(f"{field}: a whole number from {low} to {high}")
    return value
