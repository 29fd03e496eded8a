"""Help articles (one text per language), readers' events, and proactive notices."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import utcnow
from app.core.extensions import db

# What a reader does, each counted once per visitor and article: a vote keeps the latest opinion.
EVENTS = ("view", "vote", "deflected", "conversation", "sent")
NOTICES = ("backorder", "reported", "repeat_views")


class HelpCategory(db.Model):
    __tablename__ = "help_categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    position: Mapped[int] = mapped_column(default=0)
    names: Mapped[str] = mapped_column(Text, default="{}")  # JSON: {"en": "Redeeming codes", "de": …}


class HelpArticle(db.Model):
    __tablename__ = "help_articles"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("help_categories.id"), index=True)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"), index=True)  # "How to redeem"
    position: Mapped[int] = mapped_column(default=0)
    published: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class HelpText(db.Model):
    """An article in one language; the HTML is rendered (and cleaned) once, when it is saved."""

    __tablename__ = "help_texts"
    __table_args__ = (UniqueConstraint("article_id", "locale"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("help_articles.id"), index=True)
    locale: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(200))
    body_markdown: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)


class HelpEvent(db.Model):
    __tablename__ = "help_events"
    __table_args__ = (UniqueConstraint("article_id", "visitor", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(index=True)  # 0 for "sent": a question sent after suggestions
    visitor: Mapped[str] = mapped_column(String(32))  # the random id in the visitor's cookie
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(16), default="")  # a vote: helpful or not_helpful
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class ProactiveNotice(db.Model):
    """A note the shop sends first; shown once in the widget, and mailed once where there is an email."""

    __tablename__ = "proactive_notices"
    __table_args__ = (UniqueConstraint("kind", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(80))  # order:<id>, or visitor:<id>:product:<id>
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)
    visitor: Mapped[str | None] = mapped_column(String(32), index=True)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"))
    locale: Mapped[str] = mapped_column(String(10), default="en")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    seen_at: Mapped[datetime | None] = mapped_column()
