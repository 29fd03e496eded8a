"""The admin's "Send a test" button: one message, sent at once through the channel's stored URL,
and what happened, for the owner to read (never retried: the owner is looking)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from delivery.chat.apprise_target import ChatFailed, deliver
from delivery.chat.models import ChatChannel
from delivery.chat.sealing import open_url
from keystore.keyring import Keyring, KeyringError

TEST_MESSAGE = "A test message from your shop: this channel receives the events you chose."


class NoChannel(LookupError):
    pass


def send_test_message(session: Session, keyring: Keyring, channel_id: int) -> str:
    """ "" when it went, else why not; NoChannel when there is no such channel."""
    sealed = session.scalar(select(ChatChannel.url_sealed).where(ChatChannel.id == channel_id))
    session.rollback()
    if sealed is None:
        raise NoChannel(channel_id)
    try:
        deliver(open_url(keyring, channel_id, sealed), TEST_MESSAGE)
    except KeyringError:
        return "the stored URL cannot be read with this keyring; delete the channel and add it again"
    except ChatFailed as exc:
        return str(exc)
    return ""
