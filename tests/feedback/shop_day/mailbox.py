"""The mails the shop day's SMTP server on loopback received, as (to, subject, plain text)."""

from __future__ import annotations

import time

HOLD = "Batch on hold: "
REPLACED = ": your replacement code"  # after "Order <number>"
REFUNDED = ": refunded"


def received(smtp) -> list[tuple[str, str, str]]:
    return [(str(m["To"]).lower(), str(m["Subject"]), _text(m)) for m in list(smtp.messages)]


def wait_for_mails(smtp, enough, seconds: float = 60) -> list[tuple[str, str, str]]:
    """The mails received once `enough(mails)` holds (bounded: those received by then else)."""
    deadline = time.monotonic() + seconds
    mails = received(smtp)
    while not enough(mails) and time.monotonic() < deadline:
        time.sleep(0.1)
        mails = received(smtp)
    return mails


def holds(mails) -> list[tuple[str, str]]:
    """(to, subject) of the mails telling of a held batch, in the order received."""
    return [(to, subject) for to, subject, _ in mails if subject.startswith(HOLD)]


def _text(message) -> str:
    part = message.get_body(preferencelist=("plain",))
    return part.get_content() if part else ""
