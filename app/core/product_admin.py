"""The catalog as staff change it: create and edit a product (with its picture), hide, show, archive
and restore it. A product is never deleted: its orders and codes point at it for good. Every change
is in the audit log, in the transaction that makes it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from flask_babel import lazy_gettext
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.core.audit import Actor, audit, require_owner
from app.core.db import write_transaction
from app.core.image_bytes import ImageError, Reencoded
from app.core.images import add_image, prepared
from app.core.models import Product
from app.core.product_fields import ProductFields, ProductFormError

# How a product's codes are read and compared: fixed once codes are stored (the blind index of every
# stored code was computed with them), so they change only while the product has none.
CODE_OPTIONS = ("code_format", "csv_columns", "normalise", "reusable")
LONG_TEXT = ("description", "instructions")  # the log says they changed, not what they say now
# Each move: the state it starts from (active, archived), the columns it sets, its audit action.
MOVES = {
    "hide": ((True, False), {"active": False}, "shop.product.hidden"),
    "show": ((False, False), {"active": True}, "shop.product.shown"),
    "archive": (None, {"active": False, "archived": True}, "shop.product.archived"),
    "restore": (None, {"archived": False}, "shop.product.restored"),
}
HasCodes = Callable[[Session, int], bool]


class ProductMissing(LookupError):
    pass


def picture(upload: bytes | None) -> Reencoded | None:
    """The uploaded picture, checked and re-encoded before any transaction (decoding takes time)."""
    if not upload:
        return None
    try:
        return prepared(upload, "product")
    except ImageError as exc:
        raise ProductFormError({"image": str(exc)}) from None


def create(session: Session, actor: Actor, fields: ProductFields, image: Reencoded | None = None) -> int:
    require_owner(actor, "add products")
    with _one_slug_each(), write_transaction(session):
        _refuse_taken_slug(session, fields.slug, None)
        product = Product(**fields.values(), active=True)
        if image is not None:
            product.image_id = add_image(session, image, "product", actor)
        session.add(product)
        session.flush()
        audit(session, actor.email, "shop.product.created", f"product:{product.id}", detail=_summary(fields))
        return product.id


def edit(
    session: Session,
    actor: Actor,
    product_id: int,
    fields: ProductFields,
    has_codes: HasCodes,
    image: Reencoded | None = None,
) -> None:
    """`has_codes` (from the keystore, above this layer) runs inside the transaction."""
    require_owner(actor, "edit products")
    with _one_slug_each(), write_transaction(session):
        product = session.get(Product, product_id)
        if product is None:
            raise ProductMissing(product_id)
        _refuse_taken_slug(session, fields.slug, product_id)
        changes = {k: v for k, v in fields.values().items() if getattr(product, k) != v}
        if any(option in changes for option in CODE_OPTIONS) and has_codes(session, product_id):
            raise ProductFormError({k: _FIXED for k in CODE_OPTIONS if k in changes})
        if image is not None:
            changes["image_id"] = add_image(session, image, "product", actor)
        if changes:
            session.execute(update(Product).where(Product.id == product_id).values(**changes))
            audit(session, actor.email, "shop.product.updated", f"product:{product_id}", detail=_described(changes))


_FIXED = lazy_gettext("cannot change once codes are stored; make a new product instead")


def remove_picture(session: Session, actor: Actor, product_id: int) -> bool:
    require_owner(actor, "edit products")
    with write_transaction(session):
        query = update(Product).where(Product.id == product_id, Product.image_id.is_not(None)).values(image_id=None)
        removed = session.scalar(query.returning(Product.id)) is not None
        if removed:
            audit(session, actor.email, "shop.product.updated", f"product:{product_id}", detail="image removed")
    return removed


def move(session: Session, actor: Actor, product_id: int, name: str) -> bool:
    """Hide, show, archive or restore, as a conditional update: False when the product is not in a
    state the move starts from (already hidden, not archived...)."""
    require_owner(actor, "hide or archive products")
    start, values, action = MOVES[name]
    query = update(Product).where(Product.id == product_id).values(**values)
    if start is not None:
        query = query.where(Product.active.is_(start[0]), Product.archived.is_(start[1]))
    else:  # archive starts from any state but archived; restore only from archived
        query = query.where(Product.archived.is_(name == "restore"))
    with write_transaction(session):
        moved = session.scalar(query.returning(Product.id)) is not None
        if moved:
            audit(session, actor.email, action, f"product:{product_id}")
    return moved


def _refuse_taken_slug(session: Session, slug: str, product_id: int | None) -> None:
    owner = session.scalar(select(Product.id).where(Product.slug == slug))
    if owner is not None and owner != product_id:
        raise ProductFormError({"slug": _TAKEN})


@contextmanager
def _one_slug_each() -> Iterator[None]:
    """Two owners saving one slug at once on PostgreSQL: both pass the check above, the unique index
    refuses the second, which is told as if it had lost the check."""
    try:
        yield
    except IntegrityError:
        raise ProductFormError({"slug": _TAKEN}) from None


_TAKEN = lazy_gettext("another product already has this slug")


def _summary(fields: ProductFields) -> str:
    return f"{fields.slug} · {fields.name} · {fields.price_minor} {fields.currency} (minor units)"


def _described(changes: dict) -> str:
    return "; ".join(k if k in LONG_TEXT else f"{k}={v}" for k, v in sorted(changes.items()))[:2000]
