"""A batch upload from the admin page: a file or pasted text; large ones become a job."""

from __future__ import annotations

import io

from flask import current_app, g, redirect, render_template, request, url_for
from flask_babel import gettext

from app.core.extensions import db
from app.core.models import Product
from delivery.backorders import release_waiting_orders
from delivery.imports import start_import
from keystore.formats import ImportFileError
from keystore.uploads import import_upload, runs_as_job


def upload_codes(product: Product):
    data, name = _received()
    if data is None:
        return render_template(
            "admin/import_result.html", product=product, error=gettext("choose a file or paste codes")
        ), 400
    supplier = request.form.get("supplier", "").strip()
    dry_run = bool(request.form.get("dry_run"))
    if runs_as_job(_size(data), dry_run, current_app.config.get("UPLOAD_INLINE_LIMIT")):
        import_id = start_import(
            db.session,
            current_app.config["KEYSHOP"].instance,
            data,
            product.id,
            name=name,
            supplier=supplier,
            uploaded_by=g.actor.email,
            source="admin",
        )
        return redirect(url_for("admin.import_progress", job_id=str(import_id)))
    try:
        result = import_upload(
            db.session,
            current_app.extensions["keyshop.keyring"],
            product,
            data,
            name=name,
            source="admin",
            uploaded_by=g.actor.email,
            supplier=supplier,
            dry_run=dry_run,
        )
    except ImportFileError as exc:
        return render_template("admin/import_result.html", product=product, error=str(exc)), 400
    if result.imported and not dry_run:
        release_waiting_orders(db.session, product.id)
    status = 200 if result.imported else 422
    return render_template("admin/import_result.html", product=product, result=result, dry_run=dry_run), status


def _received():
    upload = request.files.get("file")
    if upload and upload.filename:
        return upload.stream, request.form.get("name") or upload.filename
    pasted = request.form.get("codes", "")
    if pasted.strip():
        return io.BytesIO(pasted.encode("utf-8")), request.form.get("name") or "pasted codes"
    return None, ""


def _size(stream) -> int:
    position = stream.tell()
    stream.seek(0, 2)
    size = stream.tell()
    stream.seek(position)
    return size
