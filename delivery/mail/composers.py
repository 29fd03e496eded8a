"""What each mail says: the drain composes a claimed row by the first part of its key.

The module that owes a kind of mail registers its composer (`@composes("order")`); create_app
imports every such module (app.MAIL_MODULES), so a worker knows every kind before it takes a job.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from email.message import Message

from sqlalchemy.orm import Session

from app.core.settings import Settings
from delivery.mail.log import OwedMail
from keystore.keyring import Keyring


class NothingToSend(Exception):
    """The row names no mail anyone composes, or what it was about is gone: failed, never retried."""


@dataclass(frozen=True)
class MailContext:
    session: Session
    settings: Settings
    keyring: Keyring


Composer = Callable[[MailContext, OwedMail], Message]
_COMPOSERS: dict[str, Composer] = {}


def composes(prefix: str) -> Callable[[Composer], Composer]:
    """Register the composer of every mail whose key starts with `prefix:`."""

    def register(composer: Composer) -> Composer:
        _COMPOSERS[prefix] = composer
        return composer

    return register


def compose(context: MailContext, mail: OwedMail) -> Message:
    composer = _COMPOSERS.get(mail.key.split(":", 1)[0])
    if composer is None:
        raise NothingToSend(f"no composer for mail {mail.key!r}")
    return composer(context, mail)


def composed_prefixes() -> frozenset[str]:
    return frozenset(_COMPOSERS)
