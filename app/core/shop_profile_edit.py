"""The owner's edit of the shop's face: every field checked, then all of them saved in one
transaction (or none), each change audited as `shop.settings.changed`."""

from __future__ import annotations

import re
from collections.abc import Mapping

from sqlalchemy.orm import Session

from app.core.audit import Actor
from app.core.errors import BuyerError
from app.core.public_url import parse_base_url
from app.core.shop_profile import PAGES, forget_shop_profile
from app.core.shop_settings import change_settings

# The longest value of each field (a page is Markdown: a long imprint, not a novel).
ONE_LINE = {"shop_name": 100, "mail_sender_name": 100, "mail_sender_address": 254, "support_address": 254}
PAGE_LENGTH = 50_000
# ASCII only: a mail server without SMTPUTF8 refuses anything else in an envelope address.
EMAIL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
LINE_BREAKS = re.compile(r"[\r\n\t\u2028\u2029\x85]")


class SettingsInputError(BuyerError):
    """A field the owner filled in cannot be saved: `field: message`, the message a gettext msgid."""


def checked_changes(form: Mapping[str, str], base_url_editable: bool) -> dict[str, str]:
    """The values to save from the form's fields (a field not sent is left as it is)."""
    changes = {key: _one_line(key, form[key]) for key in ONE_LINE if key in form}
    for key in ("mail_sender_address", "support_address"):
        if changes.get(key) and not EMAIL.fullmatch(changes[key]):
            raise SettingsInputError(key, "is not an email address")
    if changes.get("shop_name") == "":
        raise SettingsInputError("shop_name", "must not be empty")
    if changes.get("mail_sender_address") == "":
        raise SettingsInputError("mail_sender_address", "must not be empty")
    if base_url_editable and "base_url" in form:
        changes["base_url"] = parse_base_url(form["base_url"])
    for page in PAGES:
        if f"page_{page}" in form:
            changes[f"page_{page}"] = _page(f"page_{page}", form[f"page_{page}"])
    return changes


def save_profile(session: Session, actor: Actor, changes: Mapping[str, str]) -> list[str]:
    """Saved together; the keys whose value changed."""
    changed = change_settings(session, actor, changes)
    forget_shop_profile()
    return changed


def _one_line(key: str, value: str) -> str:
    value = _text(key, value).strip()
    if len(value) > ONE_LINE[key]:
        raise SettingsInputError(key, "at most %(count)d characters", count=ONE_LINE[key])
    if LINE_BREAKS.search(value):  # a line break in a mail header starts a header of the sender's choosing
        raise SettingsInputError(key, "must be one line")
    return value


def _page(key: str, value: str) -> str:
    value = _text(key, value).replace("\r\n", "\n").strip()
    if len(value) > PAGE_LENGTH:
        raise SettingsInputError(key, "at most %(count)d characters", count=PAGE_LENGTH)
    return value


def _text(key: str, value: str) -> str:
    """U+FFFD is what the form's decoder left of bytes that were not UTF-8 (a lone surrogate's, say)."""
    if "\ufffd" in value:
        raise SettingsInputError(key, "holds bytes that are not text (not UTF-8)")
    return value
