"""Admin stock: products and batches with their counts, uploads, and the staff actions on codes."""

from __future__ import annotations

from flask import abort, current_app, flash, g, make_response, redirect, render_template, request, url_for
from flask_babel import gettext, ngettext
from sqlalchemy import select

from app.core.extensions import db
from app.core.models import Order, Product
from app.core.products import ProductError, set_instructions
from app.core.rate_limit import allow
from app.web.admin import bp, owner_required, staff_required
from app.web.admin.uploads import upload_codes
from app.web.numbers import column_int
from app.web.state_words import state_word
from delivery.dynamic.sources import url_hint
from delivery.imports import import_status
from keystore import staff_actions
from keystore.models import Batch, Code
from keystore.stock import stock_by_batch, stock_by_product


@bp.get("/products")
@staff_required
def products():
    archived = set(db.session.scalars(select(Product.id).where(Product.archived)))
    hidden = set(db.session.scalars(select(Product.id).where(Product.active.is_(False))))
    rows = stock_by_product(db.session)
    return render_template(
        "admin/products.html",
        stock=[row for row in rows if row.id not in archived],
        archived=[row for row in rows if row.id in archived],
        hidden=hidden - archived,
        row_link=lambda row: url_for("admin.product", product_id=row.id),
    )


@bp.get("/products/<int:product_id>")
@staff_required
def product(product_id: int):
    item = db.session.get(Product, product_id) or abort(404)
    batches = {b.id: b for b in db.session.scalars(select(Batch).where(Batch.product_id == product_id))}
    codes = db.session.execute(
        select(Code.id, Code.batch_id, Code.status, Order.number)
        .outerjoin(Order, Order.id == Code.order_id)
        .where(Code.product_id == product_id)
        .order_by(Code.id.desc())
        .limit(100)
    ).all()
    return render_template(
        "admin/product.html",
        product=item,
        batches=batches,
        codes=codes,
        batch_stock=stock_by_batch(db.session, product_id),
        seller_url=url_hint(db.session, product_id),
    )


@bp.post("/products/<int:product_id>/instructions")
@owner_required
def instructions(product_id: int):
    try:
        set_instructions(db.session, g.actor, product_id, request.form.get("instructions", ""))
        flash(gettext("Instructions saved."))
    except ProductError as exc:
        flash(gettext("Not saved: %(why)s", why=exc))
    return redirect(url_for("admin.product", product_id=product_id))


@bp.post("/products/<int:product_id>/upload")
@staff_required
def upload(product_id: int):
    item = db.session.get(Product, product_id) or abort(404)
    db.session.expunge(item)
    db.session.rollback()
    return upload_codes(item)


@bp.get("/imports/<job_id>")
@staff_required
def import_progress(job_id: str):
    status = (column_int(job_id, low=1) and import_status(job_id)) or abort(404)  # ids only: no "²", no 2**31
    return render_template("admin/import_progress.html", job=status)


@bp.post("/batches/<int:batch_id>/<any(quarantine, revoke, release):move>")
@staff_required
def batch_move(batch_id: int, move: str):
    try:
        moved = staff_actions.move_batch(db.session, g.actor, batch_id, move, request.form.get("reason", ""))
    except staff_actions.ActionError as exc:  # no such batch
        abort(404, str(exc))
    flash(
        ngettext(
            "Batch %(id)s: %(num)s code %(state)s.",
            "Batch %(id)s: %(num)s codes %(state)s.",
            moved,
            id=batch_id,
            state=state_word("code", staff_actions.MOVES[move][0]),
        )
    )
    return redirect(request.referrer or url_for("admin.products"))


@bp.post("/codes/<int:code_id>/<any(quarantine, revoke, release):move>")
@staff_required
def code_move(code_id: int, move: str):
    moved = staff_actions.move_code(db.session, g.actor, code_id, move, request.form.get("reason", ""))
    flash(
        gettext("Code %(id)s: %(state)s.", id=code_id, state=state_word("code", staff_actions.MOVES[move][0]))
        if moved
        else gettext("Code %(id)s cannot be changed so now.", id=code_id)
    )
    return redirect(request.referrer or url_for("admin.products"))


@bp.post("/codes/<int:code_id>/reveal")
@owner_required
def reveal(code_id: int):
    _limit_reveals()
    try:
        plaintext = staff_actions.reveal_code(db.session, _keyring(), g.actor, code_id, request.form.get("reason", ""))
    except staff_actions.ActionError as exc:
        abort(400, str(exc))
    return _no_store(render_template("admin/revealed.html", code_id=code_id, plaintext=plaintext))


@bp.post("/batches/<int:batch_id>/export")
@owner_required
def export(batch_id: int):
    _limit_reveals()
    try:
        codes = staff_actions.export_unsold(db.session, _keyring(), g.actor, batch_id, request.form.get("reason", ""))
    except staff_actions.ActionError as exc:
        abort(404, str(exc))
    response = _no_store(make_response("".join(f"{code}\n" for code in codes)))
    response.headers["Content-Type"] = "text/plain; charset=utf-8"
    response.headers["Content-Disposition"] = f"attachment; filename=batch-{batch_id}-unsold.txt"
    return response


# A stolen owner session must not empty the stock in one go: reveals and exports are counted per
# account, across every web process.
REVEALS_PER_HOUR = 20


def _limit_reveals() -> None:
    if not allow("reveal", g.actor.email, REVEALS_PER_HOUR, 3600):
        abort(429, gettext("reveals: %(most)s an hour per account; wait, or ask another owner", most=REVEALS_PER_HOUR))


def _keyring():
    return current_app.extensions["keyshop.keyring"]


def _no_store(response):
    response = make_response(response)
    response.headers["Cache-Control"] = "no-store"
    return response
