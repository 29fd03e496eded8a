"""The help center in the admin: which articles work, writing them, and the proactive notes."""
from __future__ import annotations

from datetime import timedelta

from flask import abort, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select

from app.db import utcnow
from app.extensions import db
from app.languages import LANGUAGES
from app.models import Product
from app.shop_settings import change_setting, setting
from app.web.admin import bp, owner_required, staff_required
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
    return render_template("admin/help.html", stats=stats, deflection=rate, categories=categories,
                           settings=values, locales=LANGUAGES)


@bp.route("/help/articles/new", methods=["GET", "POST"])
@bp.route("/help/articles/<int:article_id>", methods=["GET", "POST"])
@staff_required
def help_article_edit(article_id: int | None = None):
    article = db.session.get(HelpArticle, article_id) if article_id else None
    if article_id and article is None:
        abort(404)
    if request.method == "POST":
        try:
            saved = save_article(db.session, g.actor, _draft(request.form), article_id)
        except (HelpError, ValueError) as exc:
            flash(f"Not saved: {exc}")
        else:
            flash("Article saved.")
            return redirect(url_for("admin.help_article_edit", article_id=saved))
    texts = {row.locale: row for row in db.session.scalars(select(HelpText).where(HelpText.article_id == article_id))} \
        if article_id else {}
    return render_template("admin/help_article.html", article=article, texts=texts, locales=LANGUAGES,
                           categories=db.session.scalars(select(HelpCategory)).all(),
                           products=db.session.scalars(select(Product).order_by(Product.name)).all())


def _draft(form) -> ArticleDraft:
    product = form.get("product_id", "")
    texts = {locale: (form.get(f"title_{locale}", ""), form.get(f"body_{locale}", "")) for locale in LANGUAGES}
    if not form.get("category_id", "").isdigit():
        raise HelpError("category: choose one (make a category first)")
    return ArticleDraft(form.get("slug", "").strip(), int(form["category_id"]), texts,
                        int(product) if product.isdigit() else None, int(form.get("position") or 0),
                        form.get("published") == "1")


@bp.post("/help/categories")
@staff_required
def help_category():
    try:
        save_category(db.session, g.actor, request.form.get("slug", "").strip(),
                      {locale: request.form.get(f"name_{locale}", "") for locale in LANGUAGES},
                      int(request.form.get("position") or 0))
    except (HelpError, ValueError) as exc:
        flash(f"Not saved: {exc}")
    return redirect(url_for("admin.help_center"))


@bp.post("/help/settings")
@owner_required
def help_settings():
    for key in HELP_SETTINGS:
        value = request.form.get(key, "").strip()
        valid = value in LANGUAGES if key == "help_fallback_language" else value.isdigit()
        if not valid:
            flash(f"Not saved: {key}: {'one of ' + ', '.join(LANGUAGES) if key.startswith('help') else 'a whole number'}")
            return redirect(url_for("admin.help_center"))
    for key in HELP_SETTINGS:
        change_setting(db.session, g.actor, key, request.form[key].strip())
    return redirect(url_for("admin.help_center"))
