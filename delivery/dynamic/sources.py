"""Owners choose where a product's codes come from: stock (uploaded batches), or the seller's URL.

Choosing the URL the first time makes the product's signing secret, returned once for the owner to
copy into the seller's system and never shown again (a new one can be made); URL and secret are
sealed with the keyring. Switching back to stock keeps them for a later switch. Every change audited."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.core.audit import Actor, audit, require_owner
from app.core.db import changed_rows, utcnow, write_transaction
from app.core.models import Product
from app.core.standard_webhooks import new_secret
from delivery.dynamic.models import DynamicSource
from keystore.keyring import Keyring
from keystore.models import Batch
from keystore.sealing import open_text, seal_text

MAX_URL = 2000
SUPPLIER = "dynamic"


class SourceError(ValueError):
    """Refused settings; the message names the field."""


@dataclass(frozen=True)
class Source:
    url: str
    secret: str
    batch_id: int


def _binding(product_id: int, purpose: str) -> bytes:
    return f"dynamic_sources:{product_id}:{purpose}".encode()


def checked_url(url: object) -> str:
    """The seller's URL as it will be stored, or SourceError: http(s), a host, one printable line."""
    if not isinstance(url, str) or not 0 < len(url.strip()) <= MAX_URL:
        raise SourceError(f"url: between 1 and {MAX_URL} characters")
    url = url.strip()
    if any(ord(c) < 33 or 0x7F <= ord(c) <= 0x9F or 0xD800 <= ord(c) <= 0xDFFF for c in url):
        raise SourceError("url: no spaces, line breaks or control characters")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - a port out of range raises here
    except ValueError:
        raise SourceError("url: not a URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SourceError("url: an http:// or https:// address, e.g. https://seller.example/codes")
    return url


def hint(url: str) -> str:
    """https://seller.example/…odes: enough to tell two URLs apart, not a token in the path."""
    parts = urlsplit(url)
    rest = url[len(f"{parts.scheme}://{parts.netloc}") :]
    return f"{parts.scheme}://{parts.netloc[:40]}" + (f"/…{rest[-4:]}" if len(rest) > 8 else rest[:8])


def use_seller_url(session: Session, keyring: Keyring, actor: Actor, product_id: int, url: object) -> str | None:
    """The product's codes come from `url` from now on (empty: the URL set before); the new signing
    secret when one was made (the first time), for the owner to copy now, else None."""
    require_owner(actor, "change where a product's codes come from")
    checked = checked_url(url) if url != "" else None
    with write_transaction(session):
        product = session.get(Product, product_id)
        if product is None:
            raise LookupError(product_id)
        if product.reusable or product.code_format != "text":
            raise SourceError("delivery: a reusable or CSV product's codes come from stock only")
        source, secret = session.get(DynamicSource, product_id), None
        if source is None and checked is None:
            raise SourceError("url: the seller's URL is needed")
        if source is None:
            secret = new_secret()
            source = _new_source(session, keyring, product, secret)
        if checked is not None:
            source.url_sealed, source.url_hint = seal_text(keyring, _binding(product_id, "url"), checked), hint(checked)
            source.updated_at = utcnow()
        session.execute(update(Product).where(Product.id == product_id).values(delivery="dynamic"))
        audit(session, actor.email, "shop.product.delivery_dynamic", f"product:{product_id}", detail=source.url_hint)
    return secret


def _new_source(session: Session, keyring: Keyring, product: Product, secret: str) -> DynamicSource:
    batch = Batch(
        product_id=product.id, name=f"{product.slug}: from the seller's URL", source=SUPPLIER, supplier=SUPPLIER
    )
    batch.status = "complete"
    session.add(batch)
    session.flush()
    sealed = seal_text(keyring, _binding(product.id, "secret"), secret)
    source = DynamicSource(product_id=product.id, url_sealed="", url_hint="", secret_sealed=sealed, batch_id=batch.id)
    session.add(source)
    return source


def new_signing_secret(session: Session, keyring: Keyring, actor: Actor, product_id: int) -> str | None:
    """A new secret, replacing the old one at once (the seller must take it); None: no URL set."""
    require_owner(actor, "change a product's signing secret")
    secret = new_secret()
    sealed = seal_text(keyring, _binding(product_id, "secret"), secret)
    with write_transaction(session):
        statement = update(DynamicSource).where(DynamicSource.product_id == product_id)
        if changed_rows(session, statement.values(secret_sealed=sealed, updated_at=utcnow())) != 1:
            return None
        audit(session, actor.email, "shop.product.dynamic_secret_renewed", f"product:{product_id}")
    return secret


def use_stock(session: Session, actor: Actor, product_id: int) -> bool:
    """Codes from stock again; False when they already were (or no such product)."""
    require_owner(actor, "change where a product's codes come from")
    with write_transaction(session):
        statement = update(Product).where(Product.id == product_id, Product.delivery == "dynamic")
        moved = changed_rows(session, statement.values(delivery="stock")) == 1
        if moved:
            audit(session, actor.email, "shop.product.delivery_stock", f"product:{product_id}")
    return moved


def url_hint(session: Session, product_id: int) -> str:
    return session.scalar(select(DynamicSource.url_hint).where(DynamicSource.product_id == product_id)) or ""


def load_source(session: Session, keyring: Keyring, product_id: int) -> Source | None:
    """The URL and secret, opened (raises KeyringError when the keyring cannot); None: none set."""
    row = session.get(DynamicSource, product_id)
    if row is None or row.batch_id is None:
        return None
    url = open_text(keyring, _binding(product_id, "url"), row.url_sealed)
    return Source(url, open_text(keyring, _binding(product_id, "secret"), row.secret_sealed), row.batch_id)
