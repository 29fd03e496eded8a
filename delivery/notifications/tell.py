"""The one way the shop tells its staff of an event: `tell` owes one mail in the caller's
transaction, keyed `event:<event>:<about>` so each is told once, and only when someone is
subscribed. Its composer addresses it to whoever is subscribed when it is sent. The same event is
owed, in the same transaction and under the same key, to each chat channel receiving it
(delivery.chat), whoever reads mail."""

from __future__ import annotations

import json
from email.message import Message

from sqlalchemy.orm import Session

from delivery.chat.outbox import owe_chat
from delivery.mail.composers import MailContext, composes
from delivery.mail.log import OwedMail, owe
from delivery.mail.owners import owners_mail
from delivery.notifications.events import BY_NAME, template_of
from delivery.notifications.subscriptions import subscribers

DIGEST = ".digest"


def tell(session: Session, event: str, about: str, mode: str = "each", **values: object) -> str:
    """Inside the caller's transaction: "owed" (by mail, chat or both), or "" (told before, or nobody
    is subscribed and no channel receives it); the caller schedules the drain after its commit.
    `about` names what it is about (an order id, a date); `values` are what the mail says."""
    if event not in BY_NAME:
        raise KeyError(event)
    name = event + DIGEST if mode == "digest" else event
    key = f"event:{name}:{about}"[:120]
    chatted = "owed" if mode == "each" and owe_chat(session, key, event, values) else ""  # chat has no digest
    if not subscribers(session, event, mode):
        return chatted
    payload = json.dumps(values, sort_keys=True, default=str)
    return owe(session, key, "event", payload=payload) or chatted


def is_told(key: str) -> bool:
    """Is this mail's key a mail telling staff of something (whose own failure is told to nobody)?"""
    return key.split(":", 1)[0] in {"event", "low-stock", "batch-hold", "ledger"} or ":overdue:" in key


@composes("event")
def compose_event_mail(context: MailContext, mail: OwedMail) -> Message:
    name, _about = mail.about.split(":", 1)
    event, mode = (name[: -len(DIGEST)], "digest") if name.endswith(DIGEST) else (name, "each")
    return owners_mail(context, mail, event, template_of(name), mode=mode, **json.loads(mail.payload or "{}"))
