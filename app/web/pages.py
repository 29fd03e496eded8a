"""The shop's footer pages (terms, privacy, imprint) at stable URLs, written by the owner in
Markdown and rendered safely; and the shop's name and footer for every page's template."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_babel import lazy_gettext
from markupsafe import Markup

from app.core.extensions import db
from app.core.shop_profile import shop_profile
from app.core.shop_settings import setting
from feedback.help.markdown import render

bp = Blueprint("pages", __name__)
TITLES = dict(  # each a literal, so that extraction finds it
    terms=lazy_gettext("Terms"),
    privacy=lazy_gettext("Privacy"),
    imprint=lazy_gettext("Imprint"),
)


@bp.get("/<any(terms, privacy, imprint):name>")
def footer_page(name: str):
    text = setting(db.session, f"page_{name}")
    db.session.rollback()
    if not text:
        abort(404)  # not written: not linked from the footer either
    return render_template("footer_page.html", title=TITLES[name], body=Markup(render(text)))


@bp.app_context_processor
def _shop() -> dict:
    return {"shop": shop_profile(), "footer_pages": TITLES}
