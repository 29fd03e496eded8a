"""At start: the keyring must open what is stored. A wrong keyring fails clearly, never yields garbage."""

from __future__ import annotations

from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session

from app.core.models import Product
from keystore.formats import key_of
from keystore.keyring import Keyring, KeyringError
from keystore.models import Code
from keystore.reveal import open_code


def verify_keyring(session: Session, keyring: Keyring) -> None:
    """Open one stored code per key id in use; raise KeyringError naming what does not fit."""
    if not inspect(session.get_bind()).has_table("codes"):
        return
    sample_ids = session.execute(select(func.min(Code.id)).group_by(Code.key_id)).scalars().all()
    for code in session.scalars(select(Code).where(Code.id.in_(sample_ids))):
        if code.key_id not in keyring.key_ids:
            keyring.refresh(force=True)
        if code.key_id not in keyring.key_ids:
            raise KeyringError(
                f"KEYSHOP_KEYRING: stored codes are sealed with key {code.key_id!r}, which this "
                f"keyring lacks; restore the keyring that sealed them"
            )
        try:
            plaintext = open_code(keyring, code)
        except KeyringError:
            raise KeyringError(
                f"KEYSHOP_KEYRING: key {code.key_id!r} of this keyring cannot open the stored "
                f"codes; it is not the keyring that sealed them"
            ) from None
        product = session.get(Product, code.product_id)
        if keyring.blind_index(key_of(plaintext, product.code_format, product.normalise)) != code.blind_index:
            raise KeyringError(
                "KEYSHOP_KEYRING: the index_key differs from the one that indexed the stored "
                "codes; duplicates would go unnoticed"
            )
    session.rollback()
