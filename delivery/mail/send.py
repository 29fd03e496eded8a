"""The one function that sends a mail: a row claimed for sending is composed, handed to the
transport and recorded as sent, failed, or owed again later (a passing failure)."""

from __future__ import annotations

import logging

from app.core.db import write_transaction
from delivery.mail.composers import MailContext, NothingToSend, compose
from delivery.mail.log import OwedMail, finish, retry_later
from delivery.mail.pace import schedule_drain
from delivery.mail.transport import is_temporary, is_unreachable, transport
from delivery.notifications.tell import is_told, tell

log = logging.getLogger(__name__)


def send_claimed(context: MailContext, mail: OwedMail) -> str:
    """sent, failed, retry, or unreachable. Every error is recorded for staff; a passing one (or one
    nobody expected) makes the mail owed again after a wait, a lasting one fails it. Unreachable:
    retried like a passing failure, and the server is down for every other mail too."""
    settings = context.settings
    try:
        transport(compose(context, mail), settings.smtp_url, settings.instance / "outbox")
    except Exception as exc:  # smtplib's errors are OSErrors; anything else is a bug, recorded all the same
        context.session.rollback()
        error = f"{type(exc).__name__}: {exc}"
        log.warning("mail %s failed (%s)", mail.key, type(exc).__name__, extra={"order": mail.number})
        if _lasting(exc):
            finish(context.session, mail.key, "failed", error)
            return _failed(context, mail, error)
        outcome = retry_later(context.session, mail.key, error)
        if outcome == "failed":
            return _failed(context, mail, error)
        return "unreachable" if outcome == "retry" and is_unreachable(exc) else outcome
    finish(context.session, mail.key, "sent")
    log.info("mail %s sent", mail.key, extra={"order": mail.number})
    return "sent"


def _failed(context: MailContext, mail: OwedMail, error: str) -> str:
    """The staff hear of a mail that ended failed, unless it was itself one telling staff (a failed
    notification told by mail would only fail again)."""
    if not is_told(mail.key):
        with write_transaction(context.session):
            told = tell(context.session, "mail.failed", mail.key, mail=mail.key, error=error[:300])
        if told:
            schedule_drain()
    return "failed"


def _lasting(exc: Exception) -> bool:
    """A refused address or a setting to change is not retried; network trouble and bugs are."""
    return isinstance(exc, NothingToSend) or (isinstance(exc, OSError) and not is_temporary(exc))
