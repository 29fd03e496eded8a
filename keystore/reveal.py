"""Opening stored codes: for the order that owns them (delivery), or for staff (audited elsewhere)."""
from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.models import Order, Product
from keystore.formats import display
from keystore.keyring import Keyring, Sealed
from keystore.models import Code, binding


def codes_of_order(session: Session, keyring: Keyring, order_id: int) -> list[str]:
    """The codes an order was given, as its buyer sees them (a reported one stays listed)."""
    order = session.get(Order, order_id)
    code_format = session.scalar(select(Product.code_format).where(Product.id == order.product_id))
    owned = Code.order_id == order_id
    query = select(Code).where(or_(owned, Code.id == order.shared_code_id) if order.shared_code_id else owned)
    return [display(open_code(keyring, row), code_format) for row in session.scalars(query.order_by(Code.id))]


def open_code(keyring: Keyring, code: Code) -> str:
    sealed = Sealed(code.key_id, code.nonce, code.ciphertext)
    return keyring.open(sealed, binding(code.product_id, code.blind_index))
