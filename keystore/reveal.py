"""Opening stored codes: for the order that owns them (delivery), or for staff (audited elsewhere)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.core.models import Order
from keystore.formats import display, record_fields
from keystore.keyring import Keyring, Sealed
from keystore.models import Code, binding


def codes_of_order(session: Session, keyring: Keyring, order_id: int) -> list[str]:
    return [line.text for line in code_lines_of_order(session, keyring, order_id)]


def code_lines_of_order(
    session: Session, keyring: Keyring, order_id: int, revealed_only: bool = False
) -> list[OwnedCode]:
    """The codes an order was given, as its buyer sees them, with their state (a reported or burned
    one stays listed beside its replacement). `revealed_only`: those its buyer pressed "show" for;
    the others are not even decrypted."""
    order = session.get(Order, order_id)
    code_format = order.product.code_format  # loaded with the order
    owned = Code.order_id == order_id
    query = select(Code).where(or_(owned, Code.id == order.shared_code_id) if order.shared_code_id else owned)
    if revealed_only:
        query = query.where(Code.revealed_at.is_not(None))
    lines = []
    for row in session.scalars(query.order_by(Code.id)):
        plaintext = open_code(keyring, row)
        lines.append(
            OwnedCode(row.id, display(plaintext, code_format), row.status, record_fields(plaintext, code_format))
        )
    return lines


@dataclass(frozen=True)
class OwnedCode:
    code_id: int
    text: str
    status: str  # delivered, reported, invalid (burned after a report), confirmed_ok; a shared code: available
    fields: list[tuple[str, str]] = field(default_factory=list)  # a record's columns, each copied on its own

    @property
    def usable(self) -> bool:
        """Working as far as the shop knows: not burned after a report, and not under review."""
        return self.status not in ("invalid", "reported")

    @property
    def under_review(self) -> bool:
        """Its buyer reported it and the report is open: shown as such, never as working."""
        return self.status == "reported"


def open_code(keyring: Keyring, code: Code) -> str:
    sealed = Sealed(code.key_id, code.nonce, code.ciphertext)
    return keyring.open(sealed, binding(code.product_id, code.blind_index))
