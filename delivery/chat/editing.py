"""An owner edits a chat channel: its name, events and enabled flag; its URL only when a new one is
given (the page shows the stored one masked, so a blank field keeps it). Audited with what changed,
the URLs masked."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.core.audit import Actor, audit, require_owner
from app.core.db import changed_rows, write_transaction
from delivery.chat.channels import CHANNELS, checked_events, checked_name, checked_url
from delivery.chat.models import ChatChannel
from delivery.chat.outbox import drop_pending
from delivery.chat.sealing import mask, seal_url
from keystore.keyring import Keyring


@dataclass(frozen=True)
class ChannelEdit:
    name: str
    events: tuple[str, ...]
    enabled: bool
    url: str = ""  # blank: keep the stored URL


def edit_channel(session: Session, keyring: Keyring, actor: Actor, channel_id: int, edit: ChannelEdit) -> bool:
    """False: no such channel. ChannelError naming the field for refused values, nothing changed."""
    require_owner(actor, "change a chat channel")
    events = checked_events(edit.events)
    values = {"name": checked_name(edit.name), "events": ",".join(events), "enabled": edit.enabled}
    url = checked_url(edit.url) if edit.url.strip() else ""
    with write_transaction(session):
        before = session.execute(select(*_SHOWN).where(ChatChannel.id == channel_id)).one_or_none()
        if before is None:
            return False
        if url:
            values.update(url_sealed=seal_url(keyring, channel_id, url), url_hint=mask(url))
        if not changed_rows(session, update(CHANNELS).where(CHANNELS.c.id == channel_id).values(**values)):
            return False  # deleted meanwhile
        detail = _changes(before._asdict(), values) + ("; URL replaced" if url else "")
        audit(session, actor.email, "shop.chat_channel.changed", f"chat_channel:{channel_id}", detail=detail)
    # Owed messages of a disabled channel, or of the events it no longer receives, never go.
    drop_pending(session, channel_id, keep=events if edit.enabled else None)
    return True


_SHOWN = (ChatChannel.name, ChatChannel.url_hint, ChatChannel.events, ChatChannel.enabled)


def _changes(before: dict, values: dict) -> str:
    """`name: 'Old' -> 'New'; url_hint: 'json://…hook' -> 'json://…ook2'`: what the audit log keeps."""
    changed = [(field, before[field], values[field]) for field in before if field in values]
    return "; ".join(f"{field}: {old!r} -> {new!r}" for field, old, new in changed if old != new) or "unchanged"
