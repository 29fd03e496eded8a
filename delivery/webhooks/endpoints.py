"""The endpoints owners set up: a URL (http or https, sealed with the keyring: it may carry a token;
shown back only as its scheme, host and the path's last characters), a description, the event types
it receives, enabled or not, and its signing secret (made here, shown to the owner once). Every
change audited as shop.webhook.*."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from app.core.audit import Actor, audit, require_owner
from app.core.db import changed_rows, utcnow, write_transaction
from app.core.standard_webhooks import new_secret
from app.core.webhook_models import WebhookAttempt, WebhookEndpoint, WebhookMessage
from app.core.webhook_outbox import EVENT_TYPES
from delivery.outbox_moves import switch
from delivery.webhooks.outbox import drop_pending
from keystore.keyring import Keyring
from keystore.sealing import seal_text

MAX_URL, MAX_DESCRIPTION = 2000, 200
ENDPOINTS = WebhookEndpoint.__table__


class EndpointError(ValueError):
    """Refused settings; the message names the field."""


@dataclass(frozen=True)
class EndpointForm:
    url: str
    description: str
    events: tuple[str, ...]


def binding(endpoint_id: int, what: str) -> bytes:
    """What a sealed value is bound to: its endpoint's row and its column (a URL is no secret's stand-in)."""
    return f"webhook_endpoints:{endpoint_id}:{what}".encode()


def check(form: EndpointForm) -> EndpointForm:
    """The endpoint as it will be stored, or EndpointError naming the field."""
    url, description = form.url.strip(), form.description.strip()
    if not url or len(url) > MAX_URL or any(ord(c) <= 32 for c in url):
        raise EndpointError(f"url: between 1 and {MAX_URL} characters, without spaces or control characters")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise EndpointError("url: an http:// or https:// address with a host")
    if len(description) > MAX_DESCRIPTION or any(ord(c) < 32 for c in description):
        raise EndpointError(f"description: one line of at most {MAX_DESCRIPTION} characters")
    unknown = [event for event in form.events if event not in EVENT_TYPES]
    if unknown:
        raise EndpointError(f"events: unknown event {unknown[0][:40]!r}")
    if not form.events:
        raise EndpointError("events: choose at least one")
    return EndpointForm(url, description, tuple(e for e in EVENT_TYPES if e in form.events))


def hint(url: str) -> str:
    """https://shop.example/…hook: the scheme, the host and the path's last characters, never a query."""
    parts = urlsplit(url)
    path = parts.path.rstrip("/")
    tail = f"/…{path[-6:]}" if len(path) > 12 else path
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}{tail}"[:120]


def add_endpoint(session: Session, keyring: Keyring, actor: Actor, form: EndpointForm) -> tuple[int, str]:
    """(its id, its secret): the secret is shown to the owner this once."""
    require_owner(actor, "add a webhook endpoint")
    form, secret = check(form), new_secret()
    with write_transaction(session):
        endpoint = WebhookEndpoint(
            url_sealed="", url_hint=hint(form.url), description=form.description, events=",".join(form.events),
            secret_sealed="",
        )  # fmt: skip
        session.add(endpoint)
        session.flush()  # its id binds the sealed values to its row
        endpoint.url_sealed = seal_text(keyring, binding(endpoint.id, "url"), form.url)
        endpoint.secret_sealed = seal_text(keyring, binding(endpoint.id, "secret"), secret)
        detail = f"{endpoint.url_hint}; events: {endpoint.events}"
        audit(session, actor.email, "shop.webhook.created", f"webhook:{endpoint.id}", detail=detail)
        return endpoint.id, secret


def change_endpoint(session: Session, keyring: Keyring, actor: Actor, endpoint_id: int, form: EndpointForm) -> bool:
    """A new URL, description and events; False: no such endpoint."""
    require_owner(actor, "change a webhook endpoint")
    form = check(form)
    values = {
        "url_sealed": seal_text(keyring, binding(endpoint_id, "url"), form.url), "url_hint": hint(form.url),
        "description": form.description, "events": ",".join(form.events),
    }  # fmt: skip
    with write_transaction(session):
        changed = changed_rows(session, update(ENDPOINTS).where(ENDPOINTS.c.id == endpoint_id).values(**values))
        if changed:
            detail = f"{values['url_hint']}; events: {values['events']}"
            audit(session, actor.email, "shop.webhook.changed", f"webhook:{endpoint_id}", detail=detail)
    return bool(changed)


def set_enabled(session: Session, actor: Actor, endpoint_id: int, enabled: bool) -> bool:
    """False: no such endpoint. A disabled endpoint's owed messages are dropped (staff may replay them)."""
    return switch(session, actor, (ENDPOINTS, "webhook"), endpoint_id, enabled, drop_pending)


def delete_endpoint(session: Session, actor: Actor, endpoint_id: int) -> bool:
    """False: no such endpoint. Its messages and their log go with it."""
    require_owner(actor, "delete a webhook endpoint")
    with write_transaction(session):
        session.execute(delete(WebhookAttempt).where(WebhookAttempt.endpoint_id == endpoint_id))
        session.execute(delete(WebhookMessage).where(WebhookMessage.endpoint_id == endpoint_id))
        gone = changed_rows(session, delete(ENDPOINTS).where(ENDPOINTS.c.id == endpoint_id))
        if gone:
            audit(session, actor.email, "shop.webhook.deleted", f"webhook:{endpoint_id}")
    return bool(gone)


@dataclass(frozen=True)
class EndpointRow:
    id: int
    url_hint: str
    description: str
    events: tuple[str, ...]
    enabled: bool
    rotating: bool


def endpoint_rows(session: Session, endpoint_id: int | None = None) -> list[EndpointRow]:
    e, now = WebhookEndpoint, utcnow()
    query = select(e.id, e.url_hint, e.description, e.events, e.enabled, e.previous_until).order_by(e.id)
    if endpoint_id is not None:
        query = query.where(e.id == endpoint_id)
    rows = session.execute(query).all()
    session.rollback()
    return [
        EndpointRow(i, url, words, tuple(filter(None, events.split(","))), on, until is not None and until > now)
        for i, url, words, events, on, until in rows
    ]
