"""Buyers' words as plain text: no markup survives, nothing invisible, bounded length."""

from __future__ import annotations

import re
import unicodedata

from app.core.errors import BuyerError

_TAG = re.compile(r"<[^>]*>")
_SPACES = re.compile(r"[ \t]+")


class TextError(BuyerError):
    """The text cannot be taken; the message names the field."""


def plain_text(field: str, raw: str | None, limit: int) -> str:
    """Tags dropped, control characters removed (newlines kept), trimmed; longer than `limit`: refused.

    Pages escape it again when they show it: this is the stored form, not the only defence.
    """
    text = _TAG.sub("", raw or "")
    text = "".join(ch for ch in text if ch == "\n" or unicodedata.category(ch)[0] != "C")
    text = "\n".join(_SPACES.sub(" ", line).strip() for line in text.replace("\r", "").split("\n")).strip()
    if len(text) > limit:
        raise TextError(field, "at most %(limit)s characters (%(given)s given)", limit=limit, given=len(text))
    return text


def mask_email(email: str) -> str:
    """m***@example.com: enough for "a verified buyer", not enough to find them."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"
