"""Key rotation: a new active key, then every code re-sealed under it in short, resumable batches.

Each batch is its own transaction and touches a row only if it is still under the old key, so sales
go on during a rotation and a rotation killed half-way is finished by running it again.

Values other than codes sealed with the keyring (a chat channel's URL) belong to layers above this
one: each is described by a SealedValues, which the command passes in, so that rotation re-seals
them too and no key is retired while it still seals one.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from app.core.db import write_transaction
from keystore.keyring import Keyring, KeyringError, Sealed, write_keyring
from keystore.models import Code, binding

BATCH = 1000


@dataclass(frozen=True)
class SealedValues:
    what: str  # "chat channel URL(s)": how the command names them
    per_key: Callable[[Session], dict[str, int]]  # how many each key id seals
    reseal: Callable[[Session, Keyring], int]  # re-seal those not under the active key; how many


def add_active_key(keyring: Keyring, path) -> str:
    data = keyring.as_json()
    key_id = _next_id(data["keys"])
    data["keys"][key_id] = base64.b64encode(os.urandom(32)).decode()
    data["active"] = key_id
    write_keyring(path, data)
    keyring.refresh(force=True)
    return key_id


def reseal_all(
    session: Session, keyring: Keyring, progress: Callable[[int], None] | None = None, batch: int = BATCH
) -> int:
    """Re-seal every code not under the active key; returns how many were re-sealed."""
    done = 0
    while moved := _reseal_batch(session, keyring, batch):
        done += moved
        if progress:
            progress(moved)
    return done


def _reseal_batch(session: Session, keyring: Keyring, size: int) -> int:
    with write_transaction(session):
        rows = session.execute(
            select(Code.id, Code.product_id, Code.blind_index, Code.key_id, Code.nonce, Code.ciphertext)
            .where(Code.key_id != keyring.active)
            .order_by(Code.id)
            .limit(size)
        ).all()
        if not rows:
            return 0
        changes = []
        for row in rows:
            bound = binding(row.product_id, row.blind_index)
            sealed = keyring.seal(keyring.open(Sealed(row.key_id, row.nonce, row.ciphertext), bound), bound)
            changes.append(
                {
                    "row_id": row.id,
                    "old_key": row.key_id,
                    "new_key": sealed.key_id,
                    "new_nonce": sealed.nonce,
                    "new_ciphertext": sealed.ciphertext,
                }
            )
        statement = (
            update(Code)
            .where(Code.id == bindparam("row_id"), Code.key_id == bindparam("old_key"))
            .values(key_id=bindparam("new_key"), nonce=bindparam("new_nonce"), ciphertext=bindparam("new_ciphertext"))
        )
        session.connection().execute(statement, changes)
        return len(rows)


def codes_per_key(session: Session) -> dict[str, int]:
    counts = dict(session.execute(select(Code.key_id, func.count()).group_by(Code.key_id)).all())
    session.rollback()
    return counts


def retire_key(session: Session, keyring: Keyring, path, key_id: str, others: tuple[SealedValues, ...] = ()) -> None:
    if key_id == keyring.active:
        raise KeyringError(f"key {key_id!r} is the active key; rotate first")
    for what, per_key in (("code(s)", codes_per_key), *((other.what, other.per_key) for other in others)):
        still = per_key(session).get(key_id, 0)
        if still:
            raise KeyringError(f"key {key_id!r} still seals {still} {what}; run `keyshop keys rotate` to finish")
    data = keyring.as_json()
    if key_id not in data["keys"]:
        raise KeyringError(f"keyring has no key {key_id!r}")
    del data["keys"][key_id]
    write_keyring(path, data)
    keyring.refresh(force=True)


def _next_id(keys: dict) -> str:
    numbers = [int(k[1:]) for k in keys if k.startswith("k") and k[1:].isdigit()]
    return f"k{max(numbers, default=0) + 1}"
