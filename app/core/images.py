"""Stored images: product pictures and the shop's logo, re-encoded (app.core.image_bytes) before
they are kept, and the logo's changes, audited."""

from __future__ import annotations

from sqlalchemy import Connection, select, update
from sqlalchemy.orm import Session

from app.core.audit import Actor, audit, require_owner
from app.core.db import write_transaction
from app.core.image_bytes import Reencoded, reencode
from app.core.models import Image

# The largest each kind is kept at; a picture is shrunk to fit, never enlarged.
BOXES = {"product": (1200, 1200), "logo": (600, 160)}


def prepared(data: bytes, kind: str) -> Reencoded:
    """Validated and re-encoded, before any transaction starts (decoding is the slow part)."""
    return reencode(data, BOXES[kind])


def add_image(session: Session, image: Reencoded, kind: str, actor: Actor) -> int:
    """In the caller's transaction."""
    row = Image(
        kind=kind,
        content_type=image.content_type,
        width=image.width,
        height=image.height,
        data=image.data,
        uploaded_by=actor.email,
    )
    session.add(row)
    session.flush()
    return row.id


def current_logo_id(session: Session | Connection) -> int | None:
    query = select(Image.id).where(Image.kind == "logo", Image.retired.is_(False)).order_by(Image.id.desc()).limit(1)
    return session.scalar(query)


def set_logo(session: Session, actor: Actor, data: bytes) -> int:
    require_owner(actor, "change the shop's logo")
    image = prepared(data, "logo")
    with write_transaction(session):
        image_id = add_image(session, image, "logo", actor)
        audit(session, actor.email, "shop.logo.changed", f"image:{image_id}", detail=f"{image.width}x{image.height}")
    return image_id


def remove_logo(session: Session, actor: Actor) -> None:
    require_owner(actor, "remove the shop's logo")
    with write_transaction(session):
        session.execute(update(Image).where(Image.kind == "logo", Image.retired.is_(False)).values(retired=True))
        audit(session, actor.email, "shop.logo.removed")
