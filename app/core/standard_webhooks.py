"""Signing as the Standard Webhooks specification says (https://www.standardwebhooks.com): the headers
webhook-id, webhook-timestamp and webhook-signature, the signature an HMAC-SHA256 of
"<id>.<timestamp>.<body>" under a secret written "whsec_<base64>". Used for every request keyshop sends
to a merchant's own server (its webhooks, a dynamic product's codes), so one receiver verifies both.
During a secret's rotation a request carries one signature per secret, space separated, as the
specification allows."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Iterable

PREFIX = "whsec_"
TOLERANCE_SECONDS = 5 * 60


class SignatureError(ValueError):
    """The request is not signed by any of the secrets, or its timestamp is too far off."""


def new_secret() -> str:
    """A fresh secret of 24 random bytes, in the specification's "whsec_" form."""
    return PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def _key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(PREFIX))


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """One "v1,<base64>" signature of the message under `secret`."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(_key(secret), signed, hashlib.sha256).digest()).decode()


def headers(secrets_: Iterable[str], message_id: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    """The three headers of a message signed under each secret given (the new one first in a rotation)."""
    at = int(time.time()) if timestamp is None else timestamp
    signatures = " ".join(signature(secret, message_id, at, body) for secret in secrets_)
    return {"webhook-id": message_id, "webhook-timestamp": str(at), "webhook-signature": signatures}


def verify(secret: str, received: dict[str, str], body: bytes, now: float | None = None) -> None:
    """Raises SignatureError unless one of the received signatures is `secret`'s, within the tolerance."""
    lower = {name.lower(): value for name, value in received.items()}
    message_id, stamp = lower.get("webhook-id", ""), lower.get("webhook-timestamp", "")
    if not message_id or not stamp.isdigit():
        raise SignatureError("webhook-id or webhook-timestamp missing")
    if abs((time.time() if now is None else now) - int(stamp)) > TOLERANCE_SECONDS:
        raise SignatureError("webhook-timestamp too far from now")
    expected = signature(secret, message_id, int(stamp), body)
    if not any(hmac.compare_digest(expected, sent) for sent in lower.get("webhook-signature", "").split()):
        raise SignatureError("no signature matches")
