"""Settings the owner changes from the admin, kept in the database (not the environment)."""

from __future__ import annotations

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.core.audit import Actor, audit, require_owner
from app.core.db import write_transaction
from app.core.extensions import db

DEFAULTS = {
    "agent_refund_limit_minor": "5000",  # what agents refund of one order, in total
    "refund_stuck_minutes": "15",  # a refund still requested this long is shown to staff and named by `keyshop check`
    "owners_need_two_factor": "0",  # "1": an owner without two-factor may only enrol until they do
    "help_fallback_language": "en",  # an article not written in the reader's language is shown in this one
    # Proactive notes (feedback/help/notices.py), each off at "0": minutes an order waits for stock
    # before we write; "1" to write when a delivered order's code is reported; product-page views
    # by one visitor in a day before we offer help.
    "notice_backorder_minutes": "0",
    "notice_reported": "0",
    "notice_repeat_views": "0",
}


class ShopSetting(db.Model):
    __tablename__ = "shop_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


def setting(session: Session, key: str) -> str:
    row = session.get(ShopSetting, key)
    return row.value if row is not None else DEFAULTS[key]


def change_setting(session: Session, actor: Actor, key: str, value: str) -> None:
    require_owner(actor, "change the shop's settings")
    if key not in DEFAULTS:
        raise KeyError(key)
    with write_transaction(session):
        row = session.get(ShopSetting, key)
        if row is None:
            session.add(ShopSetting(key=key, value=value))
        else:
            row.value = value
        audit(session, actor.email, "shop.setting.changed", key, detail=value)
