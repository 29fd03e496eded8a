"""The only module that speaks to Apprise: whether it knows a URL, and one message sent to one URL.
Apprise's log can name a URL's host, which for some services is the token: it is captured for the
error staff see, never passed on to our own log."""

from __future__ import annotations

import logging

import apprise

TITLE = "keyshop"


class ChatFailed(Exception):
    """A message that did not go (the service down or refusing it); its text is what staff see."""


class ChatRefused(ChatFailed):
    """A URL Apprise does not accept: bad data, which no retry mends."""


def known_url(url: str) -> bool:
    """Does Apprise accept this URL (a known scheme, the parts that scheme needs)?"""
    try:
        return bool(apprise.Apprise().add(url))
    except Exception:  # Apprise's parsers were written for URLs, not for whatever a form sends
        return False


def deliver(url: str, body: str) -> None:
    """Send one message; raises ChatFailed with Apprise's own words when it did not go."""
    notifier = apprise.Apprise()
    if not known_url(url) or not notifier.add(url):
        raise ChatRefused("Apprise does not accept this channel's URL")
    with apprise.LogCapture(level=logging.WARNING) as captured:
        sent = notifier.notify(body=body, title=TITLE)
    if not sent:
        words = captured.getvalue().strip().splitlines()
        raise ChatFailed((words[-1] if words else "the chat service did not accept the message")[:300])
