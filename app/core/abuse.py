"""Who may not buy: a blocklist of emails, addresses and networks, kept by owners, audited.

An email entry is an address or a whole domain (stored as "@example.com"). An address entry also
blocks the address's plus-forms (a@example.com blocks a+x@example.com: the same mailbox, the
cheapest way round a block); a domain entry blocks its subdomains too. Case never matters."""

from __future__ import annotations

import ipaddress
import re
from datetime import datetime

from sqlalchemy import String, Text, UniqueConstraint, and_, delete, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.core.audit import Actor, audit, require_owner
from app.core.db import utcnow, write_transaction
from app.core.extensions import db

KINDS = ("email", "network")  # a network may be one address: 203.0.113.9 or 203.0.113.0/24
DOMAIN = re.compile(r"(?:[^\s@.]+\.)+[^\s@.]+")


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
    email_entries = and_(Block.kind == "email", Block.value.in_(_entries_blocking(email)))
    blocks = session.execute(select(Block.kind, Block.value).where(or_(email_entries, Block.kind == "network"))).all()
    if any(kind == "email" for kind, _value in blocks):
        return True
    try:
        client = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(kind == "network" and client in ipaddress.ip_network(value, strict=False) for kind, value in blocks)


def _entries_blocking(email: str) -> list[str]:
    """Every email entry that blocks this address: itself, its mailbox without the +tag, its domain
    and each parent domain (never a bare top-level domain, which no entry can be)."""
    address = email.strip().casefold()
    domain = address.rpartition("@")[2]
    labels = domain.split(".")
    parents = ["@" + ".".join(labels[n:]) for n in range(len(labels) - 1)]
    return [address, mailbox(address), *parents]


def mailbox(email: str) -> str:
    """The mailbox an address delivers to: case folded, without its +tag (x+1@A.test -> x@a.test).
    One buyer, however many aliases: the blocklist and the complaint counts both go by it."""
    local, _, domain = email.strip().casefold().rpartition("@")
    return f"{local.split('+', 1)[0]}@{domain}"


def _normal(kind: str, value: str) -> str:
    value = value.strip().casefold()
    if kind == "email" and DOMAIN.fullmatch(value.removeprefix("@")):
        return "@" + value.removeprefix("@")  # a whole domain: "example.com" or "@example.com"
    if kind == "email" and "@" in value:
        return value
    if kind == "network":
        try:
            return str(ipaddress.ip_network(value, strict=False))
        except ValueError:
            pass
    raise BlockError(
        f"{kind}: {value!r} is not an email address, a domain like @example.com or a network like 203.0.113.0/24"
        if kind in KINDS
        else f"kind: must be one of {', '.join(KINDS)}"
    )
