"""Owners choose where a product's codes come from: stock, or the seller's URL (delivery.dynamic).
The signing secret is shown on the page that made it, once; never in a flash message (the session
cookie) or anywhere later."""

from __future__ import annotations

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext

from app.core.extensions import db
from app.core.models import Product
from app.web.admin import bp, owner_required
from delivery.dynamic.sources import SourceError, new_signing_secret, use_seller_url, use_stock


@bp.post("/products/<int:product_id>/delivery")
@owner_required
def product_delivery(product_id: int):
    choice = request.form.get("delivery", "")
    if choice == "stock":
        if use_stock(db.session, g.actor, product_id):
            flash(gettext("Codes now come from stock."))
        return redirect(url_for("admin.product", product_id=product_id))
    if choice != "dynamic":
        abort(400, "delivery: stock or dynamic")
    try:
        secret = use_seller_url(db.session, _keyring(), g.actor, product_id, request.form.get("url", ""))
    except SourceError as exc:
        abort(400, str(exc))
    except LookupError:
        abort(404)
    if secret:
        return _show_secret(product_id, secret)
    flash(gettext("Codes now come from the seller's URL."))
    return redirect(url_for("admin.product", product_id=product_id))


@bp.post("/products/<int:product_id>/delivery/secret")
@owner_required
def product_delivery_secret(product_id: int):
    secret = new_signing_secret(db.session, _keyring(), g.actor, product_id)
    if secret is None:
        abort(404)
    return _show_secret(product_id, secret)


def _show_secret(product_id: int, secret: str):
    product = db.session.get(Product, product_id) or abort(404)
    page = render_template("admin/dynamic_secret.html", product=product, secret=secret)
    return page, 200, {"Cache-Control": "no-store"}


def _keyring():
    return current_app.extensions["keyshop.keyring"]
