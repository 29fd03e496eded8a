"""Owners' guards against abuse: the blocklist, purchase limits, and agents' refund limit."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext
from sqlalchemy import select

from app.core.abuse import KINDS, Block, BlockError, add_block, remove_block
from app.core.extensions import db
from app.core.products import ProductError, set_daily_limit
from app.core.shop_settings import change_setting, setting
from app.web.admin import bp, owner_required
from app.web.numbers import MAX_INT, column_int


@bp.route("/blocks", methods=["GET", "POST"])
@owner_required
def blocks():
    if request.method == "POST":
        try:
            add_block(
                db.session,
                g.actor,
                request.form.get("kind", ""),
                request.form.get("value", ""),
                request.form.get("reason", ""),
            )
        except BlockError as exc:
            flash(gettext("Not blocked: %(why)s", why=exc))
        return redirect(url_for("admin.blocks"))
    rows = db.session.scalars(select(Block).order_by(Block.id.desc())).all()
    return render_template(
        "admin/blocks.html", rows=rows, kinds=KINDS, refund_limit=setting(db.session, "agent_refund_limit_minor")
    )


@bp.post("/blocks/<int:block_id>/remove")
@owner_required
def unblock(block_id: int):
    remove_block(db.session, g.actor, block_id)
    return redirect(url_for("admin.blocks"))


@bp.post("/settings/agent-refund-limit")
@owner_required
def agent_refund_limit():
    raw = request.form.get("limit", "").strip()
    if column_int(raw, low=0) is not None:  # not str.isdigit(), which takes "²" that int() then refuses
        change_setting(db.session, g.actor, "agent_refund_limit_minor", str(int(raw)))
    else:
        flash(
            gettext(
                "Not saved: limit: a whole number of minor units (cents) up to %(most)s, 0 to let agents refund nothing",
                most=MAX_INT,
            )
        )
    return redirect(url_for("admin.blocks"))


@bp.post("/products/<int:product_id>/daily-limit")
@owner_required
def daily_limit(product_id: int):
    raw = request.form.get("limit", "")
    try:
        if raw.strip() and column_int(raw, low=0) is None:  # the service's own message covers the rest
            raise ProductError(
                gettext("daily_limit_per_buyer: a whole number from 0 to %(most)s, 0 for no limit", most=MAX_INT)
            )
        set_daily_limit(db.session, g.actor, product_id, raw)
    except ProductError as exc:
        flash(gettext("Not saved: %(why)s", why=exc))
    return redirect(url_for("admin.product", product_id=product_id))
