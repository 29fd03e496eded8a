"""Codes handed over at the moment of sale (a dynamic product's, from the seller's URL): sealed and
blind-indexed like an uploaded batch's, stored `available` in the product's batch inside the caller's
write transaction, and then claimed for the order by the same claim as stock (keystore.claim), so
everything after (order page, mail, reports, `keyshop check`) treats them alike."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.core.models import Product
from keystore.claim import claim_codes
from keystore.importer import ImportResult, Target, store_chunk
from keystore.keyring import Keyring
from keystore.models import Batch
from keystore.prepare import prepare_chunks


class NotStored(Exception):
    """Some of the codes are already in the shop (or repeat): nothing may be sold of them."""


def store_and_claim(
    session: Session, keyring: Keyring, *, product_id: int, batch_id: int, order_id: int, codes: list[str]
) -> list[int]:
    """Inside the caller's write transaction: the codes stored in `batch_id` and claimed for the order;
    their ids. Raises NotStored (the caller rolls back) when any of them could not be stored."""
    store_supplied(session, keyring, product_id=product_id, batch_id=batch_id, codes=codes)
    claimed = claim_codes(session, product_id=product_id, order_id=order_id, quantity=len(codes), batch_id=batch_id)
    if len(claimed) != len(codes):
        raise NotStored("the stored codes could not be claimed")
    return claimed


def store_supplied(session: Session, keyring: Keyring, *, product_id: int, batch_id: int, codes: list[str]) -> None:
    """Inside the caller's write transaction: the codes stored `available` in `batch_id`, every one of
    them, or NotStored."""
    mode = session.execute(select(Product.normalise).where(Product.id == product_id)).scalar_one()
    result = ImportResult(batch_id=batch_id)
    for chunk in prepare_chunks(keyring, product_id, mode, enumerate(codes, start=1), len(codes)):
        store_chunk(session, Target(product_id, batch_id, True), chunk, result, "available")
    if result.imported != len(codes):
        reasons = "; ".join(f"code {problem.line}: {problem.reason}" for problem in result.problems)
        raise NotStored(reasons or "not stored")
    session.execute(update(Batch).where(Batch.id == batch_id).values(imported=Batch.imported + len(codes)))
