"""Chat channel URLs under key rotation (`keyshop keys rotate`): re-sealed under the active key, so
that the old key can be retired and every channel still sends."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.core.db import changed_rows, write_transaction
from delivery.chat.channels import CHANNELS
from delivery.chat.sealing import key_id_of, open_url, seal_url
from keystore.keyring import Keyring
from keystore.rotation import SealedValues


def urls_per_key(session: Session) -> dict[str, int]:
    counts = Counter(key_id_of(stored) for stored in session.scalars(select(CHANNELS.c.url_sealed)))
    session.rollback()
    return dict(counts)


def reseal_urls(session: Session, keyring: Keyring) -> int:
    """Each URL not under the active key, re-sealed in its own transaction; a URL its owner replaced
    meanwhile is left as it is (it is sealed under the active key already)."""
    rows = session.execute(select(CHANNELS.c.id, CHANNELS.c.url_sealed)).all()
    session.rollback()
    return sum(
        _reseal(session, keyring, row.id, row.url_sealed) for row in rows if key_id_of(row.url_sealed) != keyring.active
    )


def _reseal(session: Session, keyring: Keyring, channel_id: int, stored: str) -> int:
    resealed = seal_url(keyring, channel_id, open_url(keyring, channel_id, stored))
    unchanged = (CHANNELS.c.id == channel_id) & (CHANNELS.c.url_sealed == stored)
    with write_transaction(session, one_statement=True):
        return changed_rows(session, update(CHANNELS).where(unchanged).values(url_sealed=resealed))


CHAT_URLS = SealedValues("chat channel URL(s)", urls_per_key, reseal_urls)
