"""Settings the owner changes from the admin, kept in the database (not the environment)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy import String, Text, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.core.audit import Actor, audit, require_owner
from app.core.db import insert_unless_present, write_transaction
from app.core.extensions import db

SUPPORT_KINDS = ("presale", "problem", "service")  # feedback.support.models.KINDS (core imports no room)
DEFAULTS = {
    "agent_refund_limit_minor": "5000",  # what agents refund of one order, in total
    "refund_stuck_minutes": "15",
    "report_decision_minutes": "60",  # a held report's first decision is due this long after the hold  # a refund still requested this long is shown to staff and named by `keyshop check`
    "owners_need_two_factor": "0",  # "1": an owner without two-factor may only enrol until they do
    "help_fallback_language": "en",  # an article not written in the reader's language is shown in this one
    # Proactive notes (feedback/help/notices.py), each off at "0": minutes an order waits for stock
    # before we write; "1" to write when a delivered order's code is reported; product-page views
    # by one visitor in a day before we offer help.
    "notice_backorder_minutes": "0",
    "notice_reported": "0",
    "notice_repeat_views": "0",
    # The shop's face (app/core/shop_profile.py): "" means "not set", and a default shows instead.
    "shop_name": "keyshop",
    "mail_sender_name": "",  # "": the shop's name
    "mail_sender_address": "no-reply@keyshop.local",
    "support_address": "",  # Reply-To of the buyers' mail
    "base_url": "",  # the owner's public base URL (KEYSHOP_BASE_URL, when set, wins)
    "listen_url": "",  # where `keyshop serve` / `keyshop web` last listened: links' last resort
    "page_terms": "",  # footer pages, Markdown
    "page_privacy": "",
    "page_imprint": "",
    # The support desk's clock (feedback/support/clock.py): business hours in the shop's time zone
    # (each weekday's ranges, "" closed; open round the clock by default, as deadlines were before),
    # holidays, and targets in business minutes per conversation kind. A response target "" takes
    # KEYSHOP_SUPPORT_DEADLINES' hours; a resolution target "0" is none.
    "support_timezone": "UTC",
    **{f"support_hours_{day}": "00:00-24:00" for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
    "support_holidays": "",
    **{f"support_{t}_minutes_{k}": "" for t in ("first_response", "next_response") for k in SUPPORT_KINDS},
    **{f"support_resolution_minutes_{kind}": "0" for kind in SUPPORT_KINDS},
    "support_warn_percent": "80",  # a deadline is at risk once this share of its target has passed...
    "support_warn_minutes_before": "0",  # ...or, when not 0, this many business minutes before it
}
ACTION = "shop.settings.changed"


class ShopSetting(db.Model):
    __tablename__ = "shop_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


def setting(session: Session, key: str) -> str:
    row = session.get(ShopSetting, key)
    return row.value if row is not None else DEFAULTS[key]


def stored_values(connection: Session | Connection, keys: Iterable[str]) -> dict[str, str]:
    """Several settings in one query, defaults filled in; `connection` may be a session or a connection."""
    wanted = list(keys)
    table = ShopSetting.__table__
    rows = connection.execute(select(table.c.key, table.c.value).where(table.c.key.in_(wanted)))
    return {**{key: DEFAULTS[key] for key in wanted}, **dict(rows.all())}


def change_setting(session: Session, actor: Actor, key: str, value: str) -> None:
    change_settings(session, actor, {key: value})


def change_settings(session: Session, actor: Actor, changes: Mapping[str, str]) -> list[str]:
    """All of `changes` in one transaction, or none; an entry `shop.settings.changed` per key whose
    value changed. The keys that changed."""
    require_owner(actor, "change the shop's settings")
    return write_settings(session, actor.email, changes)


def write_settings(session: Session, who: str, changes: Mapping[str, str]) -> list[str]:
    """What change_settings does, for the system's own records (the address `serve` listens on)."""
    unknown = set(changes) - set(DEFAULTS)
    if unknown:
        raise KeyError(", ".join(sorted(unknown)))
    changed = []
    with write_transaction(session):
        for key, value in changes.items():
            row = session.get(ShopSetting, key)
            if (row.value if row is not None else DEFAULTS[key]) == value:
                continue
            # no read-modify-write: two first saves at once must not both insert
            if not insert_unless_present(session, ShopSetting, key=key, value=value):
                session.execute(update(ShopSetting).where(ShopSetting.key == key).values(value=value))
            audit(session, who, ACTION, key, detail=value)
            changed.append(key)
    return changed
