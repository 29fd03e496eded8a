"""What the desk owes a conversation, in business time: its first response on opening, the next
response after each buyer message (the first unanswered one starts the clock), a resolution from the
opening; and what a staff reply and a resolution measured against them. Called inside the caller's
write transaction, on the rows it already holds."""

from __future__ import annotations

from datetime import datetime

from feedback.support.business_hours import BusinessHours, business_minutes_between
from feedback.support.clock import SupportClock
from feedback.support.models import Conversation, Message


def start_deadlines(conversation: Conversation, clock: SupportClock, now: datetime) -> None:
    targets = clock.targets[conversation.kind]
    conversation.first_due_at = owe_answer(conversation, clock, now)
    conversation.resolution_due_at = clock.due(now, targets.resolution)
    conversation.resolution_warn_at = clock.warning(now, targets.resolution)


def owe_answer(conversation: Conversation, clock: SupportClock, now: datetime) -> datetime:
    """An answer is owed from `now`: the first response's target until there was one, then the next's.
    Its deadline."""
    targets = clock.targets[conversation.kind]
    minutes = targets.first_response if conversation.first_response_at is None else targets.next_response
    due = clock.deadline(now, minutes)
    conversation.reply_owed_since, conversation.reply_due_at = now, due
    conversation.reply_warn_at = clock.warning(now, minutes)
    return due


def answered(conversation: Conversation, message: Message, hours: BusinessHours, now: datetime) -> None:
    """A staff reply: when an answer was owed, it is that answer, measured and kept on the message."""
    if conversation.reply_due_at is not None:
        message.response = "first" if conversation.first_response_at is None else "next"
        since = conversation.reply_owed_since or conversation.created_at
        message.response_minutes = business_minutes_between(hours, since, now)
        message.response_due_at = conversation.reply_due_at
    if conversation.first_response_at is None:  # counted once, whatever happens later
        conversation.first_response_at = now
    nothing_owed(conversation)


def nothing_owed(conversation: Conversation) -> None:
    conversation.reply_due_at = conversation.reply_owed_since = conversation.reply_warn_at = None


def resolution_values(created_at: datetime, who: str, hours: BusinessHours, now: datetime) -> dict:
    """The columns a resolution sets (for the desk's conditional update)."""
    return {
        "status": "resolved",
        "resolved_at": now,
        "resolved_by": who,
        "resolution_minutes": business_minutes_between(hours, created_at, now),
        "reply_due_at": None,
        "reply_owed_since": None,
        "reply_warn_at": None,
    }
