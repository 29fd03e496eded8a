"""The chat channels owners set up: a name, an Apprise URL (checked by Apprise, sealed with the
keyring, shown back only masked), the events it receives, enabled or not. Every change audited."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.core.audit import Actor, audit, require_owner
from app.core.db import changed_rows, write_transaction
from delivery.chat.apprise_target import known_url
from delivery.chat.models import ChatChannel, ChatMessage
from delivery.chat.outbox import drop_pending
from delivery.chat.sealing import mask, seal_url
from delivery.notifications.events import BY_NAME
from delivery.outbox_moves import switch
from keystore.keyring import Keyring

MAX_NAME, MAX_URL = 80, 2000
CHANNELS = ChatChannel.__table__


class ChannelError(ValueError):
    """Refused settings; the message names the field."""


@dataclass(frozen=True)
class NewChannel:
    name: str
    url: str
    events: tuple[str, ...]


@dataclass(frozen=True)
class ChannelRow:
    id: int
    name: str
    url_hint: str
    events: tuple[str, ...]
    enabled: bool


def channel_rows(session: Session) -> list[ChannelRow]:
    rows = session.execute(
        select(ChatChannel.id, ChatChannel.name, ChatChannel.url_hint, ChatChannel.events, ChatChannel.enabled)
        .order_by(ChatChannel.id)
    ).all()  # fmt: skip
    session.rollback()
    return [ChannelRow(i, name, hint, tuple(filter(None, events.split(","))), on) for i, name, hint, events, on in rows]


def check(new: NewChannel) -> NewChannel:
    """The channel as it will be stored, or ChannelError naming the field."""
    return NewChannel(checked_name(new.name), checked_url(new.url), checked_events(new.events))


def checked_name(name: str) -> str:
    return _one_line("name", name.strip(), MAX_NAME)


def checked_url(url: str) -> str:
    url = _one_line("url", url.strip(), MAX_URL)
    if not known_url(url):
        raise ChannelError("url: Apprise does not know this URL (see its list of services for the right form)")
    return url


def checked_events(events: tuple[str, ...]) -> tuple[str, ...]:
    unknown = [event for event in events if event not in BY_NAME]
    if unknown:
        raise ChannelError(f"events: unknown event {unknown[0][:40]!r}")
    return tuple(dict.fromkeys(events))


def _one_line(field: str, value: str, most: int) -> str:
    if not value or len(value) > most:
        raise ChannelError(f"{field}: between 1 and {most} characters")
    if any(ord(character) < 32 for character in value):  # one line each, in the page and the audit log
        raise ChannelError(f"{field}: a line break or control character is not allowed")
    return value


def add_channel(session: Session, keyring: Keyring, actor: Actor, new: NewChannel) -> int:
    require_owner(actor, "add a chat channel")
    new = check(new)
    with write_transaction(session):
        channel = ChatChannel(name=new.name, url_sealed="", url_hint=mask(new.url), events=",".join(new.events))
        session.add(channel)
        session.flush()  # its id binds the sealed URL to its row
        channel.url_sealed = seal_url(keyring, channel.id, new.url)
        detail = f"{channel.url_hint}; events: {channel.events or '-'}"
        audit(session, actor.email, "shop.chat_channel.added", f"chat_channel:{channel.id}", detail=detail)
        return channel.id


def set_enabled(session: Session, actor: Actor, channel_id: int, enabled: bool) -> bool:
    """False: no such channel. A disabled channel's owed messages are dropped, not sent later."""
    return switch(session, actor, (CHANNELS, "chat_channel"), channel_id, enabled, drop_pending)


def delete_channel(session: Session, actor: Actor, channel_id: int) -> bool:
    """False: no such channel. Its messages go with it."""
    require_owner(actor, "delete a chat channel")
    with write_transaction(session):
        session.execute(delete(ChatMessage).where(ChatMessage.channel_id == channel_id))
        gone = changed_rows(session, delete(CHANNELS).where(CHANNELS.c.id == channel_id))
        if gone:
            audit(session, actor.email, "shop.chat_channel.deleted", f"chat_channel:{channel_id}")
    return bool(gone)
