"""The built-in sandbox provider: the whole paid-order path, offline.

Its "payment page" lives in this app (app.web.sandbox). Choosing an outcome there produces a webhook
signed exactly like a real provider's: ``Keyshop-Signature: t=<unix>,v1=<hex HMAC-SHA256>`` over
``"<t>." + raw body``, checked with a 300 s tolerance for old and future timestamps.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable, Mapping
from urllib.parse import urlencode

from itsdangerous import BadSignature, URLSafeSerializer

from payments.base import (
    Capabilities,
    CheckoutRequest,
    CheckoutStart,
    EventKind,
    InvalidPayload,
    InvalidSignature,
    PaymentEvent,
    PaymentProvider,
    RefundRequest,
    RefundResult,
    minor_units,
    required_text,
)

SIGNATURE_HEADER = "Keyshop-Signature"
TOLERANCE_SECONDS = 300
EVENT_KINDS: dict[str, EventKind] = {"payment.succeeded": "paid", "payment.failed": "failed"}


class SandboxProvider(PaymentProvider):
    name = "sandbox"
    label = "Sandbox (test payment)"
    capabilities = Capabilities(refunds=True, partial_refunds=True, methods=("test",))

    def __init__(self, secret: str, base_url: Callable[[], str]):
        self._secret = secret.encode()
        self._base_url = base_url  # asked at each checkout: the owner may change it while we run
        self._sessions = URLSafeSerializer(secret, salt="keyshop.sandbox.session")

    def start_checkout(self, request: CheckoutRequest) -> CheckoutStart:
        session = self._sessions.dumps(
            {
                "order": request.order_number,
                "amount": request.amount_minor,
                "currency": request.currency,
                "description": request.description,
                "return": request.return_url,
            }
        )
        return CheckoutStart(f"{self._base_url()}/sandbox/pay?{urlencode({'s': session})}", request.order_number)

    def load_session(self, token: str) -> dict:
        try:
            return self._sessions.loads(token)
        except BadSignature:
            raise InvalidSignature("sandbox session does not verify") from None

    def signed_event(self, session: dict, outcome: str, now: float | None = None) -> tuple[dict, bytes]:
        """The webhook the sandbox 'provider' sends for an outcome: headers and raw body."""
        kind = {"paid": "payment.succeeded", "failed": "payment.failed"}[outcome]
        body = json.dumps(
            {
                "id": "evt_" + secrets.token_hex(12),
                "type": kind,
                "order": session["order"],
                "amount": session["amount"],
                "currency": session["currency"],
            }
        ).encode()
        return {SIGNATURE_HEADER: self.sign(body, now)}, body

    def sign(self, body: bytes, now: float | None = None) -> str:
        timestamp = int(time.time() if now is None else now)
        return f"t={timestamp},v1={self._mac(timestamp, body)}"

    def parse_webhook(self, headers: Mapping[str, str], body: bytes, query: Mapping[str, str]) -> list[PaymentEvent]:
        self._verify(headers.get(SIGNATURE_HEADER, ""), body)
        try:
            data = json.loads(body)
            kind = EVENT_KINDS.get(data["type"], "other")
            return [
                PaymentEvent(
                    event_id=required_text(data["id"]),
                    kind=kind,
                    order_number=required_text(data["order"]),
                    amount_minor=minor_units(data["amount"]),
                    currency=required_text(data["currency"]).upper(),
                    provider_reference=required_text(data["id"]),
                )
            ]
        except (ValueError, KeyError, TypeError) as exc:
            raise InvalidPayload(f"sandbox event is not readable: {exc}") from None

    def refund(self, request: RefundRequest) -> RefundResult:
        """Always succeeds; the same key gives the same refund reference, as a real provider's would."""
        reference = "sandbox_re_" + hashlib.sha256(request.idempotency_key.encode()).hexdigest()[:16]
        return RefundResult("succeeded", reference)

    def _verify(self, header: str, body: bytes) -> None:
        fields = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
        try:
            timestamp = int(fields["t"])
        except (KeyError, ValueError):
            raise InvalidSignature(f"{SIGNATURE_HEADER} header missing or without a timestamp") from None
        if abs(time.time() - timestamp) > TOLERANCE_SECONDS:
            raise InvalidSignature("timestamp outside the 300 s tolerance")
        if not hmac.compare_digest(self._mac(timestamp, body), fields.get("v1", "")):
            raise InvalidSignature("signature does not match the body")

    def _mac(self, timestamp: int, body: bytes) -> str:
        return hmac.new(self._secret, str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
