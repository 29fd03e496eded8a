"""The only module that speaks to Apprise: whether it knows a URL, and one message sent to one URL.
Apprise's log can name a URL's host or path, which for some services is the token: it is captured
for the error staff see and never passed on to the shop's own log."""

from __future__ import annotations

import logging

import apprise

TITLE = "keyshop"
logging.getLogger("apprise").propagate = False  # its lines may hold a channel's token (see above)


class ChatFailed(Exception):
    """A message that did not go (the service down or refusing it); its text is what staff see."""


class ChatRefused(ChatFailed):
    """A URL Apprise does not accept: bad data, which no retry mends."""


def _notifier(url: str) -> apprise.Apprise | None:
    notifier = apprise.Apprise()
    try:
        return notifier if notifier.add(url) else None
    except Exception:  # Apprise's parsers were written for URLs, not for whatever a form sends
        return None


def known_url(url: str) -> bool:
    """Does Apprise accept this URL (a known scheme, the parts that scheme needs)?"""
    return _notifier(url) is not None


def deliver(url: str, body: str) -> None:
    """Send one message; raises ChatFailed with Apprise's own words when it did not go."""
    notifier = _notifier(url)
    if notifier is None:
        raise ChatRefused("Apprise does not accept this channel's URL")
    with apprise.LogCapture(level=logging.WARNING, fmt="%(message)s") as captured:
        sent = notifier.notify(body=body, title=TITLE)
    if not sent:
        words = captured.getvalue().strip().splitlines()
        raise ChatFailed((words[-1] if words else "the chat service did not accept the message")[:300])
