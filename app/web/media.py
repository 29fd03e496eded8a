"""Stored images (product pictures, the logo), served with the type we encoded them in and with
nosniff, so a browser never takes one for a page or a script. A row never changes once written, so
each may be cached for good; the logo's address changes when the logo does."""

from __future__ import annotations

import time

from flask import Blueprint, Flask, abort, current_app, make_response, request, url_for
from sqlalchemy.exc import SQLAlchemyError

from app.core.extensions import db
from app.core.images import current_logo_id
from app.core.models import Image

bp = Blueprint("media", __name__)
LOGO_SECONDS = 10  # how long a web process keeps the logo's id before asking again


@bp.get("/images/<int:image_id>")
def image(image_id: int):
    row = db.session.get(Image, image_id) or abort(404)
    etag = f"image-{row.id}"
    if etag in request.if_none_match:
        return make_response("", 304)
    response = make_response(row.data)
    response.headers["Content-Type"] = row.content_type
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"  # opened on its own: inert
    response.set_etag(etag)
    db.session.rollback()
    return response


@bp.app_context_processor
def _logo():
    return {"shop_logo_url": shop_logo_url}


def shop_logo_url() -> str | None:
    """The logo's address for the page header, asked of the database at most every few seconds per
    process (every page shows it)."""
    cached = current_app.extensions.get("keyshop.logo")
    if cached is None or cached[0] < time.monotonic():
        try:
            with db.engine.connect() as connection:  # apart from the view's session and its transaction
                logo_id = current_logo_id(connection)
        except SQLAlchemyError:  # an error page while the database is away still renders, without a logo
            return None
        cached = (time.monotonic() + LOGO_SECONDS, logo_id)
        current_app.extensions["keyshop.logo"] = cached
    return url_for("media.image", image_id=cached[1]) if cached[1] else None


def forget_logo(app: Flask) -> None:
    """After a change in this process: the next page asks again."""
    app.extensions.pop("keyshop.logo", None)
