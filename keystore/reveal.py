"""Opening stored codes: for delivery to the order that owns them."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from keystore.keyring import Keyring, Sealed
from keystore.models import Code, binding


def codes_of_order(session: Session, keyring: Keyring, order_id: int) -> list[str]:
    rows = session.scalars(select(Code).where(Code.order_id == order_id).order_by(Code.id))
    return [open_code(keyring, row) for row in rows]


def open_code(keyring: Keyring, code: Code) -> str:
    sealed = Sealed(code.key_id, code.nonce, code.ciphertext)
    return keyring.open(sealed, binding(code.product_id, code.blind_index))
