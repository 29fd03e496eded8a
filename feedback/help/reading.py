"""The help center as a reader sees it: each article once, in their language where it is written,
else in the shop's fallback language."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback.help.articles import ShownText
from feedback.help.markdown import plain
from feedback.help.models import HelpArticle, HelpCategory, HelpText
from feedback.help.search import search_index

# The texts a reader is shown: theirs, or the fallback's where the article lacks theirs.
_SHOWN = (
    "(t.locale = :locale OR (t.locale = :fallback AND NOT EXISTS (SELECT 1 FROM help_texts o "
    "WHERE o.article_id = t.article_id AND o.locale = :locale))) "
    "AND t.article_id IN (SELECT id FROM help_articles WHERE published = true)"
)


@dataclass(frozen=True)
class Category:
    slug: str
    name: str
    articles: list[ShownText]


@dataclass(frozen=True)
class Hit:
    slug: str
    title: str
    snippet: str
    article_id: int


def shown_text(session: Session, slug: str, locale: str, fallback: str) -> ShownText | None:
    article = session.scalar(select(HelpArticle).where(HelpArticle.slug == slug, HelpArticle.published))
    if article is None:
        return None
    texts = {row.locale: row for row in session.scalars(select(HelpText).where(HelpText.article_id == article.id))}
    row = _preferred(texts, locale, fallback)
    if row is None:
        return None
    category = session.get(HelpCategory, article.category_id)
    return ShownText(
        article.id,
        article.slug,
        row.locale,
        row.title,
        row.body_html,
        row.body_markdown,
        article.product_id,
        _name(category, locale, fallback),
        tuple(sorted(texts)),
    )


def categories(session: Session, locale: str, fallback: str) -> list[Category]:
    shown = _shown(session, locale, fallback, select(HelpArticle).where(HelpArticle.published))
    found = []
    for category in session.scalars(select(HelpCategory).order_by(HelpCategory.position, HelpCategory.id)):
        articles = [text for article, text in shown if article.category_id == category.id]
        if articles:
            found.append(Category(category.slug, _name(category, locale, fallback), articles))
    return found


def for_product(session: Session, product_id: int, locale: str, fallback: str) -> list[ShownText]:
    query = select(HelpArticle).where(HelpArticle.published, HelpArticle.product_id == product_id)
    return [text for _, text in _shown(session, locale, fallback, query)]


def search(session: Session, query: str, locale: str, fallback: str, limit: int = 5) -> list[Hit]:
    params = {"locale": locale, "fallback": fallback}
    ids = search_index(session).ranked(query, _SHOWN, params, limit)
    rows = {row.id: row for row in session.scalars(select(HelpText).where(HelpText.id.in_(ids)))}
    slugs = dict(
        session.execute(
            select(HelpArticle.id, HelpArticle.slug).where(
                HelpArticle.id.in_([row.article_id for row in rows.values()])
            )
        ).all()
    )
    return [
        Hit(slugs[rows[i].article_id], rows[i].title, _snippet(rows[i].body_markdown), rows[i].article_id) for i in ids
    ]


def _shown(session: Session, locale: str, fallback: str, articles_query) -> list[tuple[HelpArticle, ShownText]]:
    articles = list(session.scalars(articles_query.order_by(HelpArticle.position, HelpArticle.id)))
    texts: dict[int, dict[str, HelpText]] = {}
    for row in session.scalars(select(HelpText).where(HelpText.article_id.in_([a.id for a in articles]))):
        texts.setdefault(row.article_id, {})[row.locale] = row
    shown = []
    for article in articles:
        row = _preferred(texts.get(article.id, {}), locale, fallback)
        if row is not None:
            shown.append(
                (article, ShownText(article.id, article.slug, row.locale, row.title, "", "", article.product_id))
            )
    return shown


def _name(category: HelpCategory | None, locale: str, fallback: str) -> str:
    return _preferred(json.loads(category.names) if category else {}, locale, fallback) or ""


def _preferred(by_locale: dict, locale: str, fallback: str):
    """The reader's language, else the shop's fallback, else whichever there is (None if none)."""
    return by_locale.get(locale) or by_locale.get(fallback) or next(iter(by_locale.values()), None)


def _snippet(markdown: str, length: int = 160) -> str:
    words = " ".join(plain(markdown).split())
    return words if len(words) <= length else words[:length].rsplit(" ", 1)[0] + "…"
