"""Admin catalog: add and edit a product, its picture, and hide, show, archive or restore it. The
rules are in app.core.product_fields (what a field may hold) and app.core.product_admin (what a
change does); these views read the form, call one of them, and show the form again with every
refusal beside its field."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext
from sqlalchemy import select

from app.core import product_admin
from app.core.extensions import db
from app.core.image_bytes import MAX_UPLOAD_BYTES
from app.core.models import Product
from app.core.money import to_major
from app.core.product_fields import MAX_PER_ORDER, ProductFormError, parse_product_form
from app.web.admin import bp, owner_required
from keystore.models import Code

EDITABLE = (
    "name slug description category currency max_per_order stock_display low_stock_threshold report_policy"
    " replacement_limit instructions reusable code_format csv_columns normalise"
    " reveal_on_request"
).split()


@bp.route("/products/new", methods=["GET", "POST"])
@owner_required
def product_new():
    if request.method == "GET":
        return _form(None, {"currency": "USD", "max_per_order": "10", "low_stock_threshold": "5"})
    try:
        fields = parse_product_form(request.form)
        product_id = product_admin.create(db.session, g.actor, fields, product_admin.picture(_upload()))
    except ProductFormError as refused:
        return _form(None, request.form, refused.errors)
    flash(gettext("Product %(name)s added. Upload its codes below.", name=fields.name))
    return redirect(url_for("admin.product", product_id=product_id))


@bp.route("/products/<int:product_id>/edit", methods=["GET", "POST"])
@owner_required
def product_edit(product_id: int):
    product = db.session.get(Product, product_id) or abort(404)
    if request.method == "GET":
        return _form(product, _values_of(product))
    db.session.expunge(product)
    db.session.rollback()
    try:
        fields = parse_product_form(request.form)
        product_admin.edit(db.session, g.actor, product_id, fields, _has_codes, product_admin.picture(_upload()))
    except ProductFormError as refused:
        return _form(product, request.form, refused.errors)
    except product_admin.ProductMissing:
        abort(404)
    flash(gettext("Product saved."))
    return redirect(url_for("admin.product", product_id=product_id))


@bp.post("/products/<int:product_id>/image/remove")
@owner_required
def product_image_remove(product_id: int):
    removed = product_admin.remove_picture(db.session, g.actor, product_id)
    flash(gettext("Picture removed.") if removed else gettext("The product has no picture."))
    return redirect(url_for("admin.product_edit", product_id=product_id))


@bp.post("/products/<int:product_id>/<any(hide, show, archive, restore):move>")
@owner_required
def product_move(product_id: int, move: str):
    if product_admin.move(db.session, g.actor, product_id, move):
        flash(_MOVED[move]())
    else:
        flash(gettext("Nothing changed: the product is not in a state this applies to."))
    return redirect(url_for("admin.product", product_id=product_id))


_MOVED = {
    "hide": lambda: gettext("Hidden: off the storefront and not for sale. Paid orders are still delivered."),
    "show": lambda: gettext("Shown on the storefront and for sale."),
    "archive": lambda: gettext("Archived: its orders and codes are kept; restore it to sell it again."),
    "restore": lambda: gettext("Restored: hidden until you show it."),
}


def _form(product, values, errors=None):
    page = render_template(
        "admin/product_form.html",
        product=product,
        values=values,
        errors=errors or {},
        max_per_order=MAX_PER_ORDER,
        max_megabytes=MAX_UPLOAD_BYTES // (1024 * 1024),
    )
    return page, 400 if errors else 200


def _values_of(product: Product) -> dict:
    values = {name: getattr(product, name) for name in EDITABLE}
    values["price"] = to_major(product.price_minor, product.currency)
    values["reusable"] = "1" if product.reusable else ""
    values["reveal_on_request"] = "1" if product.reveal_on_request else ""
    return values


def _upload() -> bytes | None:
    upload = request.files.get("image")
    if upload is None or not upload.filename:
        return None
    data = upload.stream.read(MAX_UPLOAD_BYTES + 1)  # one byte more tells "too large" without reading it all
    return data or None


def _has_codes(session, product_id: int) -> bool:
    return session.scalar(select(Code.id).where(Code.product_id == product_id).limit(1)) is not None
