"""The help center's pages: categories, an article in the reader's language, search, votes, and the
suggestions the support forms show while the buyer types."""

from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext
from sqlalchemy import select

from app.core.extensions import db
from app.core.i18n import current_language
from app.core.models import Product
from app.core.rate_limit import allow, client_address
from app.core.shop_settings import setting
from app.web.csrf import check_csrf
from app.web.visitor import visitor_id
from feedback.help import events
from feedback.help.reading import categories, for_product, search, shown_text

bp = Blueprint("help", __name__, url_prefix="/help")
bp.before_request(check_csrf)
SUGGESTIONS = 5
SUGGESTS_PER_HOUR = 2000  # one a keystroke pause: generous for people, a ceiling for scripts


def fallback_language() -> str:
    return setting(db.session, "help_fallback_language")


def product_help(product: int | str) -> list:
    """The articles linked to a product (by id or slug), in the reader's language: "How to redeem"."""
    product_id = (
        product if isinstance(product, int) else db.session.scalar(select(Product.id).where(Product.slug == product))
    )
    articles = for_product(db.session, product_id, current_language(), fallback_language()) if product_id else []
    db.session.rollback()
    return articles


@bp.get("/")
def index():
    query = request.args.get("q", "").strip()[:200]
    language, fallback = current_language(), fallback_language()
    hits = search(db.session, query, language, fallback, limit=20) if query else []
    shelves = [] if query else categories(db.session, language, fallback)
    db.session.rollback()
    return render_template("help_index.html", query=query, hits=hits, shelves=shelves)


@bp.get("/suggest")
def suggest():
    """JSON for typing: the articles that match what the buyer has written so far."""
    if not allow("help-suggest", f"ip:{client_address()}", SUGGESTS_PER_HOUR, 3600):
        return jsonify(results=[]), 429
    hits = search(db.session, request.args.get("q", "")[:500], current_language(), fallback_language(), SUGGESTIONS)
    db.session.rollback()
    return jsonify(
        results=[
            {"slug": h.slug, "title": h.title, "snippet": h.snippet, "url": url_for("help.article", slug=h.slug)}
            for h in hits
        ]
    )


@bp.get("/<slug>")
def article(slug: str):
    shown = _article_or_404(slug)
    events.record(db.session, shown.article_id, visitor_id(), "view")
    return render_template("help_article.html", article=shown, fell_back=shown.locale != current_language())


@bp.post("/<slug>/vote")
def vote(slug: str):
    shown = _article_or_404(slug)
    value = request.form.get("value", "")
    if value in events.VOTES:
        events.record(db.session, shown.article_id, visitor_id(), "vote", value)
        flash(gettext("Thank you: your answer helps us improve this article."))
    return redirect(url_for("help.article", slug=slug), code=303)


@bp.post("/<slug>/answered")
def answered(slug: str):
    """ "This answered my question", pressed on a suggestion while writing to support."""
    shown = _article_or_404(slug)
    counted = events.record(db.session, shown.article_id, visitor_id(), "deflected")
    if request.accept_mimetypes.best == "application/json":
        return jsonify(counted=counted)
    flash(gettext("Glad it helped. Your question was not sent."))
    return redirect(url_for("help.article", slug=slug), code=303)


def _article_or_404(slug: str):
    shown = shown_text(db.session, slug, current_language(), fallback_language()) or abort(404)
    db.session.rollback()
    return shown
