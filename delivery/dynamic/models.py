"""Where a dynamic product's codes come from: the seller's URL and the secret its requests are signed
with, both sealed with the keyring (the URL may carry a token), and the batch its codes are stored in."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import utcnow
from app.core.extensions import db


class DynamicSource(db.Model):
    __tablename__ = "dynamic_sources"

    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), primary_key=True)
    url_sealed: Mapped[str] = mapped_column(Text)  # keystore.sealing, bound to the product and purpose
    url_hint: Mapped[str] = mapped_column(String(80))  # what staff see: the scheme, host and last characters
    secret_sealed: Mapped[str] = mapped_column(Text)  # the Standard Webhooks "whsec_…" secret
    # Every code the seller sends for this product is stored in this one batch (supplier "dynamic"),
    # made with the source, so two sales at once never race to make it.
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batches.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
