"""An endpoint's signing secrets. Rotating makes a new secret (shown to the owner once) and keeps the
previous one signing for a day beside it, so a receiver can switch over without missing a message:
during the overlap every message carries both signatures (the new one first)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Row, select, update
from sqlalchemy.orm import Session

from app.core.audit import Actor, audit, require_owner
from app.core.db import changed_rows, utcnow, write_transaction
from app.core.standard_webhooks import new_secret
from app.core.webhook_models import WebhookEndpoint
from delivery.webhooks.endpoints import binding
from keystore.keyring import Keyring
from keystore.sealing import open_text, seal_text

OVERLAP = timedelta(hours=24)
ENDPOINTS = WebhookEndpoint.__table__


def rotate_secret(session: Session, keyring: Keyring, actor: Actor, endpoint_id: int) -> str | None:
    """The new secret, or None when there is no such endpoint. Two rotations at once: one wins, the
    other finds the secret it read gone and tries again on the new one."""
    require_owner(actor, "rotate a webhook secret")
    for _ in range(3):
        current = session.scalar(select(WebhookEndpoint.secret_sealed).where(WebhookEndpoint.id == endpoint_id))
        session.rollback()
        if current is None:
            return None
        secret = new_secret()
        if _replace(session, keyring, actor, endpoint_id, current, secret):
            return secret
    raise RuntimeError("the secret kept changing under this rotation")


def _replace(session: Session, keyring: Keyring, actor: Actor, endpoint_id: int, current: str, secret: str) -> bool:
    previous = open_text(keyring, binding(endpoint_id, "secret"), current)
    until = utcnow() + OVERLAP
    values = {
        "secret_sealed": seal_text(keyring, binding(endpoint_id, "secret"), secret),
        "previous_secret_sealed": seal_text(keyring, binding(endpoint_id, "previous_secret"), previous),
        "previous_until": until,
    }
    with write_transaction(session):
        where = (ENDPOINTS.c.id == endpoint_id) & (ENDPOINTS.c.secret_sealed == current)
        if not changed_rows(session, update(ENDPOINTS).where(where).values(**values)):
            return False
        detail = f"previous until {until.isoformat(timespec='seconds')}Z"
        audit(session, actor.email, "shop.webhook.secret_rotated", f"webhook:{endpoint_id}", detail=detail)
    return True


def signing_secrets(keyring: Keyring, endpoint: Row) -> list[str]:
    """The secrets a message is signed with now: the current one, and the previous one during its
    overlap. Raises KeyringError or ValueError when they cannot be read back."""
    secrets = [open_text(keyring, binding(endpoint.id, "secret"), endpoint.secret_sealed)]
    if endpoint.previous_secret_sealed and endpoint.previous_until and endpoint.previous_until > utcnow():
        secrets.append(open_text(keyring, binding(endpoint.id, "previous_secret"), endpoint.previous_secret_sealed))
    return secrets
