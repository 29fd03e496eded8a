"""The shop's logo: uploaded by an owner, checked and re-encoded like product pictures
(app.core.images), shown in the header of every page. The shop settings page links here."""

from __future__ import annotations

from flask import current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext

from app.core.extensions import db
from app.core.image_bytes import MAX_UPLOAD_BYTES, ImageError
from app.core.images import current_logo_id, remove_logo, set_logo
from app.web.admin import bp, owner_required
from app.web.media import forget_logo


@bp.get("/branding")
@owner_required
def branding():
    return _page()


@bp.post("/branding/logo")
@owner_required
def logo_upload():
    upload = request.files.get("logo")
    data = upload.stream.read(MAX_UPLOAD_BYTES + 1) if upload is not None else b""
    try:
        set_logo(db.session, g.actor, data)
    except ImageError as exc:
        return _page(error=f"{gettext('logo')}: {exc}", status=400)
    forget_logo(current_app)
    flash(gettext("Logo saved: it is in the header of every page."))
    return redirect(url_for("admin.branding"))


@bp.post("/branding/logo/remove")
@owner_required
def logo_remove():
    remove_logo(db.session, g.actor)
    forget_logo(current_app)
    flash(gettext("Logo removed: the header shows the shop's name."))
    return redirect(url_for("admin.branding"))


def _page(error: str = "", status: int = 200):
    logo_id = current_logo_id(db.session)
    db.session.rollback()
    page = render_template(
        "admin/branding.html", logo_id=logo_id, error=error, max_megabytes=MAX_UPLOAD_BYTES // (1024 * 1024)
    )
    return page, status
