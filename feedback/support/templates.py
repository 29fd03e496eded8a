"""Reply templates: one text per language, placeholders filled from the conversation and its order."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.audit import Actor, audit
from app.core.db import write_transaction
from app.core.models import Order, Product
from feedback.support.models import Conversation, ReplyTemplate
from feedback.text import TextError, plain_text

PLACEHOLDERS = ("order_number", "product", "buyer_name")


class TemplateError(ValueError):
    pass


def save_template(session: Session, actor: Actor, name: str, locale: str, body: str) -> int:
    try:
        name, body = plain_text("name", name, 100), plain_text("body", body, 5000)
    except TextError as exc:
        raise TemplateError(str(exc)) from None
    if not name or not body or not locale:
        raise TemplateError("name, locale and body: all three are needed")
    with write_transaction(session):
        template = session.scalar(
            select(ReplyTemplate).where(ReplyTemplate.name == name, ReplyTemplate.locale == locale)
        )
        if template is None:
            template = ReplyTemplate(name=name, locale=locale, body=body)
            session.add(template)
        template.body = body
        session.flush()
        audit(session, actor.email, "support.template.saved", f"template:{template.id}", detail=f"{name} ({locale})")
        return template.id


def templates_for(session: Session, locale: str) -> list[ReplyTemplate]:
    """Every template, the conversation's language first, so the reply box offers it first."""
    rows = session.scalars(select(ReplyTemplate).order_by(ReplyTemplate.name, ReplyTemplate.locale)).all()
    return sorted(rows, key=lambda t: t.locale != locale)


def fill(session: Session, template_body: str, conversation: Conversation) -> str:
    values = dict.fromkeys(PLACEHOLDERS, "")
    values["buyer_name"] = conversation.name or conversation.email.split("@")[0]
    if conversation.order_id:
        values["order_number"] = session.scalar(select(Order.number).where(Order.id == conversation.order_id))
    if conversation.product_id:
        values["product"] = session.scalar(select(Product.name).where(Product.id == conversation.product_id))
    text = template_body
    for key, value in values.items():  # plain replacement: a template cannot reach anything else
        text = text.replace("{" + key + "}", value or "")
    return text
