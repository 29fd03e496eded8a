"""The JSON API for scripts (token auth): batch upload and stock."""

from __future__ import annotations

import io
from functools import wraps

from flask import Blueprint, abort, current_app, g, jsonify, request, url_for

from app.core.api_tokens import token_for
from app.core.extensions import db
from app.core.products import ProductError, product_for
from delivery.backorders import release_waiting_orders
from delivery.imports import import_status, start_import
from keystore.formats import ImportFileError
from keystore.stock import stock_by_batch, stock_by_product
from keystore.uploads import import_upload, runs_as_job

bp = Blueprint("api_stock", __name__, url_prefix="/api/v1")


def scope_required(scope: str):
    def decorate(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            header = request.headers.get("Authorization", "")
            token = token_for(db.session, header[7:]) if header.startswith("Bearer ") else None
            if token is None:
                return jsonify(error={"message": "a valid API token is required (Authorization: Bearer …)"}), 401
            if scope not in token.scope_set:
                return jsonify(error={"message": f"this token lacks the {scope!r} scope"}), 403
            g.api_actor, g.api_scopes = f"api:{token.name}", token.scope_set
            return view(*args, **kwargs)

        wrapped.token_scope = scope  # found by tests/app/web/test_roles.py
        return wrapped

    return decorate


@bp.post("/products/<slug>/batches")
@scope_required("upload")
def upload_batch(slug: str):
    """The body is the file itself (TXT or CSV as the product says); ?name=, ?supplier=, ?dry_run=1."""
    try:
        product = product_for(db.session, slug)
    except ProductError as exc:
        abort(404, str(exc))
    body, options = request.get_data(cache=False), _options()
    if runs_as_job(len(body), options["dry_run"], current_app.config.get("UPLOAD_INLINE_LIMIT")):
        import_id = start_import(
            db.session,
            current_app.config["KEYSHOP"].instance,
            io.BytesIO(body),
            product.id,
            name=options["name"],
            supplier=options["supplier"],
            uploaded_by=g.api_actor,
            source="api",
        )
        job_id = str(import_id)
        return jsonify(job=job_id, url=url_for("api_stock.import_job", job_id=job_id)), 202
    try:
        result = import_upload(
            db.session,
            current_app.extensions["keyshop.keyring"],
            product,
            io.BytesIO(body),
            source="api",
            uploaded_by=g.api_actor,
            **options,
        )
    except ImportFileError as exc:
        return jsonify(error={"message": str(exc)}), 422
    if result.imported and not options["dry_run"]:
        release_waiting_orders(db.session, product.id)
    return jsonify(result.as_json()), 201 if result.imported and not options["dry_run"] else 200


@bp.get("/imports/<job_id>")
@scope_required("upload")
def import_job(job_id: str):
    """Progress, then the result, or `failed` with the reason (a lost job is resumed by the sweeper)."""
    return jsonify(import_status(job_id) or abort(404))


@bp.get("/stock")
@scope_required("stock")
def stock():
    products = [{"id": row.id, "name": row.name, "counts": row.counts} for row in stock_by_product(db.session)]
    batches = [{"id": row.id, "name": row.name, "counts": row.counts} for row in stock_by_batch(db.session)]
    return jsonify(products=products, batches=batches)


def _options() -> dict:
    return {
        "name": request.args.get("name", "api upload")[:200],
        "supplier": request.args.get("supplier", "")[:200],
        "dry_run": request.args.get("dry_run") in ("1", "true", "yes"),
    }
