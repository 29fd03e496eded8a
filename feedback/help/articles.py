"""Writing help articles, and reading them in the reader's language or the shop's fallback one."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.audit import Actor, audit
from app.core.db import utcnow, write_transaction
from app.core.languages import LANGUAGES
from feedback.help.markdown import plain, render
from feedback.help.models import HelpArticle, HelpCategory, HelpText
from feedback.help.search import search_index

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")


class HelpError(ValueError):
    """Staff input that cannot be saved; the message names the field."""


@dataclass(frozen=True)
class ArticleDraft:
    slug: str
    category_id: int
    texts: dict[str, tuple[str, str]]  # locale -> (title, Markdown); an empty title leaves that language out
    product_id: int | None = None
    position: int = 0
    published: bool = True


@dataclass(frozen=True)
class ShownText:
    """What a reader sees of an article: the text in their language, or the fallback's."""

    article_id: int
    slug: str
    locale: str
    title: str
    html: str
    markdown: str
    product_id: int | None = None
    category: str = ""
    languages: tuple[str, ...] = field(default_factory=tuple)


def save_category(session: Session, actor: Actor, slug: str, names: dict[str, str], position: int = 0) -> int:
    _check_slug(slug)
    names = {locale: name.strip() for locale, name in names.items() if locale in LANGUAGES and name.strip()}
    if not names:
        raise HelpError("name: give the category a name in at least one language")
    with write_transaction(session):
        category = session.scalar(select(HelpCategory).where(HelpCategory.slug == slug)) or HelpCategory(slug=slug)
        category.names, category.position = json.dumps(names, ensure_ascii=False), position
        session.add(category)
        session.flush()
        audit(session, actor.email, "help.category.saved", f"help-category:{slug}")
        return category.id


def save_article(session: Session, actor: Actor, draft: ArticleDraft, article_id: int | None = None) -> int:
    _check_slug(draft.slug)
    texts = {
        locale: (title.strip()[:200], body)
        for locale, (title, body) in draft.texts.items()
        if locale in LANGUAGES and title.strip()
    }
    if not texts:
        raise HelpError("title: write the article in at least one language (a title and a text)")
    with write_transaction(session):
        article = session.get(HelpArticle, article_id) if article_id else HelpArticle()
        if article is None:
            raise HelpError(f"article: no article {article_id}")
        _fill(article, draft)
        session.add(article)
        session.flush()
        _save_texts(session, article.id, texts)
        audit(session, actor.email, "help.article.saved", f"help-article:{draft.slug}")
        return article.id


def _fill(article: HelpArticle, draft: ArticleDraft) -> None:
    article.slug, article.category_id, article.product_id = draft.slug, draft.category_id, draft.product_id
    article.position, article.published, article.updated_at = draft.position, draft.published, utcnow()


def _save_texts(session: Session, article_id: int, texts: dict[str, tuple[str, str]]) -> None:
    index = search_index(session)
    existing = {row.locale: row for row in session.scalars(select(HelpText).where(HelpText.article_id == article_id))}
    for locale, (title, markdown) in texts.items():
        row = existing.get(locale) or HelpText(article_id=article_id, locale=locale)
        row.title, row.body_markdown, row.body_html = title, markdown, render(markdown)
        session.add(row)
        session.flush()
        index.put(row.id, title, plain(markdown))


def _check_slug(slug: str) -> None:
    if not SLUG.match(slug):
        raise HelpError(f"slug: {slug!r} must be lowercase letters, digits and dashes (it is the page's address)")
