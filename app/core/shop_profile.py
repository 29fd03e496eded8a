"""The shop's face as the owner set it (name, mail sender, support address, footer pages, base URL),
read once per request or job for every page and mail that shows it.

The read goes through a connection of its own, not the caller's session: a view that reads the
shop's name must still be free to start its write transaction (app.core.db.write_transaction). A
database that cannot be read (not migrated yet, down) gives the defaults, so an error page can
still be drawn.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from email.utils import formataddr

from flask import current_app, g, has_app_context
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from app.core.extensions import db
from app.core.shop_settings import DEFAULTS, ShopSetting

log = logging.getLogger(__name__)
PAGES = ("terms", "privacy", "imprint")  # footer pages, each at /<name>
KEYS = ("shop_name", "mail_sender_name", "mail_sender_address", "support_address", "base_url", "listen_url")
# A setting a worker holds in one job context is read again after this long (a page reads once anyway).
FRESH_SECONDS = 5
# Every short setting fits in this; a footer page is cut to it, which is enough to know it is written.
PREFIX = 300


@dataclass(frozen=True)
class ShopProfile:
    name: str = DEFAULTS["shop_name"]
    sender_name: str = ""
    sender_address: str = DEFAULTS["mail_sender_address"]
    support_address: str = ""
    base_url: str = ""  # the owner's; "" when not set (see app.core.public_url)
    listen_url: str = ""
    pages: frozenset[str] = field(default_factory=frozenset)  # the footer pages that are written

    @property
    def sender(self) -> str:
        """The From of the shop's mail: `Name <address>`, the name encoded as mail headers need."""
        return formataddr((self.sender_name or self.name, self.sender_address))


def shop_profile() -> ShopProfile:
    """The profile, read at most once per app context (a request, a job) and FRESH_SECONDS."""
    if not has_app_context():
        return ShopProfile()
    cached = g.get("keyshop_profile")
    if cached is not None and time.monotonic() - cached[0] < FRESH_SECONDS:
        return cached[1]
    profile = _of_version(g.get("keyshop_page_version")) or _read()
    g.keyshop_profile = (time.monotonic(), profile)
    return profile


def known_page_version(version: int) -> None:
    """This request read the page version (app.core.page_version), which every change to the shop's
    settings raises: the profile is then read once per version and process, not once per request."""
    g.keyshop_page_version = version


def _of_version(version: int | None) -> ShopProfile | None:
    if version is None:
        return None
    kept = current_app.extensions.get("keyshop.profile_of_version")
    if kept is None or kept[0] != version:
        kept = (version, _read())  # read after the version: never older than it
        current_app.extensions["keyshop.profile_of_version"] = kept
    return kept[1]


def forget_shop_profile() -> None:
    """After a change: this request shows the new values at once (the version it read is older than the change)."""
    if has_app_context():
        g.pop("keyshop_profile", None)
        g.pop("keyshop_page_version", None)


def _read() -> ShopProfile:
    table = ShopSetting.__table__
    wanted = [*KEYS, *(f"page_{page}" for page in PAGES)]
    query = select(table.c.key, func.substr(table.c.value, 1, PREFIX)).where(table.c.key.in_(wanted))
    try:
        with db.engine.connect() as connection:
            stored: dict[str, str] = {key: value for key, value in connection.execute(query).all()}
    except SQLAlchemyError as exc:
        log.warning("shop settings not read (%s); the defaults are shown", type(exc).__name__)
        return ShopProfile()
    values = {key: stored.get(key, DEFAULTS[key]) for key in KEYS}
    return ShopProfile(
        name=values["shop_name"] or DEFAULTS["shop_name"],
        sender_name=values["mail_sender_name"],
        sender_address=values["mail_sender_address"] or DEFAULTS["mail_sender_address"],
        support_address=values["support_address"],
        base_url=values["base_url"],
        listen_url=values["listen_url"],
        pages=frozenset(page for page in PAGES if stored.get(f"page_{page}")),
    )
