"""The demo products' categories and pictures: drawn here rather than shipped as image files, and
stored as an owner's upload would be (re-encoded, audited), so the storefront shows what a real
shop looks like."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import update
from sqlalchemy.orm import Session

from app.core.audit import Actor, audit
from app.core.db import write_transaction
from app.core.images import add_image, prepared
from app.core.models import Product

DEMO = Actor("demo", "owner")
LOOKS = {  # slug: (category, background)
    "steam-wallet-20": ("Game cards", "#1b2838"),
    "netflix-gift-25": ("Gift cards", "#b1060f"),
    "windows-11-pro": ("Software", "#0067b8"),
}


def dress(session: Session, product_id: int, slug: str, name: str) -> None:
    """Gives a demo product its category and a picture with its name."""
    category, background = LOOKS[slug]
    picture = prepared(_card(name, background), "product")
    with write_transaction(session):
        image_id = add_image(session, picture, "product", DEMO)
        values = {"category": category, "image_id": image_id}
        session.execute(update(Product).where(Product.id == product_id).values(**values))
        audit(session, DEMO.email, "shop.product.updated", f"product:{product_id}", detail="demo picture, category")


def _card(name: str, background: str) -> bytes:
    """A gift-card-shaped PNG: the name in white on the brand's colour."""
    canvas = Image.new("RGB", (800, 500), background)
    draw = ImageDraw.Draw(canvas)
    draw.rounded_rectangle((32, 32, 768, 468), radius=36, outline="white", width=6)
    draw.text((400, 250), name, fill="white", anchor="mm", font=ImageFont.load_default(size=46))
    buffer = io.BytesIO()
    canvas.save(buffer, "PNG")
    return buffer.getvalue()
