"""Support mail is owed in the transaction that made it necessary and sent by the mail drain
(composed in feedback.support.mail)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from delivery.mail.log import owe


def owe_support_mail(session: Session, conversation_id: int, kind: str) -> str:
    """kind: opened, reply:<message id>, survey, overdue:<the deadline, ISO>. Once per conversation and kind."""
    return owe(session, f"conversation:{conversation_id}:{kind}", "support")
