"""What staff do to stored codes. Each action is a conditional update, audited in the same transaction."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.core.audit import Actor, audit, require_owner
from app.core.db import utcnow, write_transaction
from app.core.models import Product
from keystore.formats import display
from keystore.keyring import Keyring
from keystore.models import Batch, Code
from keystore.reveal import open_code

# The moves staff can make, and the states each may start from.
MOVES = {
    "quarantine": ("quarantined", ("available",)),
    "revoke": ("revoked", ("available", "quarantined")),
    "release": ("available", ("quarantined",)),
}


class ActionError(ValueError):
    pass


def reveal_code(session: Session, keyring: Keyring, actor: Actor, code_id: int, reason: str) -> str:
    """Decrypt one code for an owner, who must say why; the reveal is recorded before it is shown."""
    require_owner(actor, "reveal a code")
    if not reason.strip():
        raise ActionError("reason: say why this code is revealed")
    with write_transaction(session):
        code = session.get(Code, code_id)
        if code is None:
            raise ActionError(f"no code {code_id}")
        code_format = session.scalar(select(Product.code_format).where(Product.id == code.product_id))
        plaintext = display(open_code(keyring, code), code_format)
        audit(session, actor.email, "keystore.code.revealed", f"code:{code_id}", reason=reason.strip())
    return plaintext


def move_code(session: Session, actor: Actor, code_id: int, move: str, reason: str = "") -> bool:
    status, expected = _move(move)
    with write_transaction(session):
        moved = session.execute(
            update(Code).where(Code.id == code_id, Code.status.in_(expected)).values(status=status)
        ).rowcount
        if moved:
            audit(session, actor.email, f"keystore.code.{status}", f"code:{code_id}", reason=reason)
    return moved == 1


def move_batch(session: Session, actor: Actor, batch_id: int, move: str, reason: str = "") -> int:
    """Quarantine, revoke or release every code of a batch that can make the move; they stop (or
    resume) selling at once. Returns how many codes moved."""
    status, expected = _move(move)
    with write_transaction(session):
        # The batch's row first, as a hold for complaints takes it (feedback.quarantine): a release
        # and a report deciding the hold run one after the other, never interleaved.
        if session.scalar(select(Batch.id).where(Batch.id == batch_id).with_for_update()) is None:
            raise ActionError(f"no batch {batch_id}")
        lifted = move == "release" and _lift_hold(session, batch_id)
        _mark_withdrawn(session, batch_id, move)
        moved = session.execute(
            update(Code).where(Code.batch_id == batch_id, Code.status.in_(expected)).values(status=status)
        ).rowcount
        audit(
            session,
            actor.email,
            f"keystore.batch.{status}",
            f"batch:{batch_id}",
            reason=reason,
            detail=f"{moved} code(s)" + ("; hold lifted, complaints counted afresh from now" if lifted else ""),
        )
    return moved


def _mark_withdrawn(session: Session, batch_id: int, move: str) -> None:
    """The batch remembers it was taken off sale, for the codes that come back to it later (a refunded
    order's codes never shown, keystore.reveals). A revoke is for good: a release lifts a quarantine only."""
    if move == "release":
        session.execute(
            update(Batch).where(Batch.id == batch_id, Batch.withdrawn == "quarantined").values(withdrawn="")
        )
    elif move == "revoke":
        session.execute(update(Batch).where(Batch.id == batch_id).values(withdrawn="revoked"))
    else:
        session.execute(
            update(Batch).where(Batch.id == batch_id, Batch.withdrawn == "").values(withdrawn="quarantined")
        )


def _lift_hold(session: Session, batch_id: int) -> bool:
    """A hold for complaints ends: a person decided the batch is fine. Its complaint count starts
    again from this moment (feedback.complaints), so reports already made cannot hold it again."""
    return bool(
        session.execute(
            update(Batch)
            .where(Batch.id == batch_id, Batch.on_hold.is_(True))
            .values(on_hold=False, released_at=utcnow())
        ).rowcount
    )


def export_unsold(session: Session, keyring: Keyring, actor: Actor, batch_id: int, reason: str) -> list[str]:
    """The plaintext of a batch's unsold codes (available or quarantined), for an owner; audited."""
    require_owner(actor, "export codes")
    with write_transaction(session):
        batch = session.get(Batch, batch_id)
        if batch is None:
            raise ActionError(f"no batch {batch_id}")
        code_format = session.scalar(select(Product.code_format).where(Product.id == batch.product_id))
        rows = session.scalars(
            select(Code)
            .where(Code.batch_id == batch_id, Code.status.in_(("available", "quarantined")))
            .order_by(Code.id)
        )
        codes = [display(open_code(keyring, row), code_format) for row in rows]
        audit(
            session,
            actor.email,
            "keystore.batch.exported",
            f"batch:{batch_id}",
            reason=reason,
            detail=f"{len(codes)} code(s)",
        )
    return codes


def _move(move: str) -> tuple[str, tuple[str, ...]]:
    if move not in MOVES:
        raise ActionError(f"action: must be one of {', '.join(MOVES)}")
    return MOVES[move]
