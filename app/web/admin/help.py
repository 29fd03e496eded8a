"""The help center in the admin: which articles work, writing them, and the proactive notes."""

from __future__ import annotations

from datetime import timedelta

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext
from sqlalchemy import select

from app.core.db import utcnow
from app.core.extensions import db
from app.core.languages import LANGUAGES
from app.core.models import Product
from app.core.shop_settings import change_setting, setting
from app.web.admin import bp, owner_required, staff_required
from app.web.numbers import MAX_INT, column_int
from feedback.help.articles import ArticleDraft, HelpError, save_article, save_category
from feedback.help.models import HelpArticle, HelpCategory, HelpText
from feedback.help.stats import article_stats, deflection

HELP_SETTINGS = ("help_fallback_language", "notice_backorder_minutes", "notice_reported", "notice_repeat_views")


@bp.get("/help")
@staff_required
def help_center():
    stats, rate = article_stats(db.session), deflection(db.session, utcnow() - timedelta(days=30))
    categories = db.session.scalars(select(HelpCategory).order_by(HelpCategory.position)).all()
    values = {key: setting(db.session, key) for key in HELP_SETTINGS}
    return render_template(
        "admin/help.html", stats=stats, deflection=rate, categories=categories, settings=values, locales=LANGUAGES
    )


@bp.route("/help/articles/new", methods=["GET", "POST"])
@bp.route("/help/articles/<int:article_id>", methods=["GET", "POST"])
@staff_required
def help_article_edit(article_id: int | None = None):
    article = db.session.get(HelpArticle, article_id) if article_id else None
    if article_id and article is None:
        abort(404)
    if request.method == "POST":
        try:
            draft = _draft(request.form)
            db.session.rollback()  # the reads are done; the save is its own write transaction
            saved = save_article(db.session, g.actor, draft, article_id)
        except (HelpError, ValueError) as exc:
            db.session.rollback()
            flash(gettext("Not saved: %(why)s", why=exc))
        else:
            flash(gettext("Article saved."))
            return redirect(url_for("admin.help_article_edit", article_id=saved))
    texts = (
        {row.locale: row for row in db.session.scalars(select(HelpText).where(HelpText.article_id == article_id))}
        if article_id
        else {}
    )
    return render_template(
        "admin/help_article.html",
        article=article,
        texts=texts,
        locales=LANGUAGES,
        categories=db.session.scalars(select(HelpCategory)).all(),
        products=db.session.scalars(select(Product).order_by(Product.name)).all(),
    )


def _draft(form) -> ArticleDraft:
    texts = {locale: (form.get(f"title_{locale}", ""), form.get(f"body_{locale}", "")) for locale in LANGUAGES}
    category = column_int(form.get("category_id", ""), low=1)
    if category is None or db.session.get(HelpCategory, category) is None:
        raise HelpError(gettext("category: choose one (make a category first)"))
    return ArticleDraft(
        form.get("slug", "").strip(),
        category,
        texts,
        _product_id(form.get("product_id", "")),
        _position(form),
        form.get("published") == "1",
    )


def _product_id(raw: str) -> int | None:
    if not raw.strip():
        return None
    product_id = column_int(raw, low=1)
    if product_id is None or db.session.get(Product, product_id) is None:
        raise HelpError(gettext("product: choose one of the list, or none"))
    return product_id


def _position(form) -> int:
    """Where it stands in its list; a number an integer column holds, not a clamped one."""
    position = column_int(form.get("position") or "0")
    if position is None:
        raise HelpError(
            gettext("position: a whole number from %(least)s to %(most)s", least=-MAX_INT - 1, most=MAX_INT)
        )
    return position


@bp.post("/help/categories")
@staff_required
def help_category():
    try:
        save_category(
            db.session,
            g.actor,
            request.form.get("slug", "").strip(),
            {locale: request.form.get(f"name_{locale}", "") for locale in LANGUAGES},
            _position(request.form),
        )
    except (HelpError, ValueError) as exc:
        flash(gettext("Not saved: %(why)s", why=exc))
    return redirect(url_for("admin.help_center"))


@bp.post("/help/settings")
@owner_required
def help_settings():
    for key in HELP_SETTINGS:
        value = request.form.get(key, "").strip()
        valid = value in LANGUAGES if key == "help_fallback_language" else column_int(value, low=0) is not None
        if not valid:
            flash(
                gettext("Not saved: %(field)s: one of %(choices)s", field=key, choices=", ".join(LANGUAGES))
                if key.startswith("help")
                else gettext("Not saved: %(field)s: a whole number", field=key)
            )
            return redirect(url_for("admin.help_center"))
    for key in HELP_SETTINGS:
        value = request.form[key].strip()
        change_setting(db.session, g.actor, key, value if key == "help_fallback_language" else str(int(value)))
    return redirect(url_for("admin.help_center"))
