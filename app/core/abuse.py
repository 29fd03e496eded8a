"""Who may not buy: a blocklist of emails, addresses and networks, kept by owners, audited."""

from __future__ import annotations

import ipaddress
from datetime import datetime

from sqlalchemy import String, Text, UniqueConstraint, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.core.audit import Actor, audit, require_owner
from app.core.db import utcnow, write_transaction
from app.core.extensions import db

KINDS = ("email", "network")  # a network may be one address: 203.0.113.9 or 203.0.113.0/24


class Block(db.Model):
    __tablename__ = "blocks"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    value: Mapped[str] = mapped_column(String(254))
    reason: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("kind", "value", name="uq_blocks_kind_value"),)


class BlockError(ValueError):
    pass


def add_block(session: Session, actor: Actor, kind: str, value: str, reason: str) -> None:
    require_owner(actor, "block buyers")
    value = _normal(kind, value)
    try:
        with write_transaction(session):
            session.add(Block(kind=kind, value=value, reason=reason.strip(), created_by=actor.email))
            audit(session, actor.email, "shop.block.added", f"{kind}:{value}", reason=reason)
    except IntegrityError:
        raise BlockError(f"{kind}: {value} is blocked already") from None


def remove_block(session: Session, actor: Actor, block_id: int) -> None:
    require_owner(actor, "unblock buyers")
    with write_transaction(session):
        block = session.get(Block, block_id)
        if block is not None:
            audit(session, actor.email, "shop.block.removed", f"{block.kind}:{block.value}")
            session.execute(delete(Block).where(Block.id == block_id))


def is_blocked(session: Session, email: str, address: str) -> bool:
    blocks = session.execute(select(Block.kind, Block.value)).all()
    if any(kind == "email" and value == email.strip().lower() for kind, value in blocks):
        return True
    try:
        client = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(kind == "network" and client in ipaddress.ip_network(value, strict=False) for kind, value in blocks)


def _normal(kind: str, value: str) -> str:
    value = value.strip().lower()
    if kind == "email" and "@" in value:
        return value
    if kind == "network":
        try:
            return str(ipaddress.ip_network(value, strict=False))
        except ValueError:
            pass
    raise BlockError(
        f"{kind}: {value!r} is not an email address or a network like 203.0.113.0/24"
        if kind in KINDS
        else f"kind: must be one of {', '.join(KINDS)}"
    )
