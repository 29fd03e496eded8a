"""A fake BTCPay Server (Greenfield): invoices for one store, webhooks signed with BTCPay-Sig."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time

from flask import Flask, jsonify, request

from tests.fakes.loopback import LoopbackServer


class FakeBTCPay:
    def __init__(self, store_id: str, api_key: str, webhook_secret: str):
        self.store_id, self.api_key, self.webhook_secret = store_id, api_key, webhook_secret
        self.invoices: dict[str, dict] = {}
        self.down = False
        self.server = LoopbackServer(self._app())
        self.url = self.server.url

    def _app(self) -> Flask:
        app = Flask("fake-btcpay")
        prefix = f"/api/v1/stores/{self.store_id}"

        @app.before_request
        def authorise():
            if self.down:
                return jsonify(code="unavailable"), 503
            if request.headers.get("Authorization") != f"token {self.api_key}":
                return jsonify(code="unauthenticated", message="Authentication is required"), 401

        @app.post(f"{prefix}/invoices")
        def create_invoice():
            body = request.get_json()
            invoice = {
                "id": secrets.token_hex(11),
                "storeId": self.store_id,
                "amount": body["amount"],
                "currency": body["currency"],
                "status": "New",
                "metadata": body.get("metadata", {}),
                "checkoutLink": f"{self.url}/i/{secrets.token_hex(4)}",
                "checkout": body.get("checkout", {}),
            }
            self.invoices[invoice["id"]] = invoice
            return jsonify(invoice)

        @app.get(f"{prefix}/invoices/<invoice_id>")
        def get_invoice(invoice_id):
            invoice = self.invoices.get(invoice_id)
            return jsonify(invoice) if invoice else (jsonify(code="invoice-not-found"), 404)

        return app

    def webhook(self, invoice_id: str, kind: str, secret: str | None = None) -> tuple[dict, bytes]:
        """A delivery as BTCPay sends it: it names the invoice only; BTCPay-Sig is HMAC-SHA256 of the body."""
        if kind == "InvoiceSettled":
            self.invoices[invoice_id]["status"] = "Settled"
        body = json.dumps(
            {
                "deliveryId": secrets.token_hex(8),
                "webhookId": "wh1",
                "originalDeliveryId": "o1",
                "isRedelivery": False,
                "type": kind,
                "timestamp": int(time.time()),
                "storeId": self.store_id,
                "invoiceId": invoice_id,
                "metadata": {},
            }
        ).encode()
        mac = hmac.new((secret or self.webhook_secret).encode(), body, hashlib.sha256).hexdigest()
        return {"BTCPay-Sig": f"sha256={mac}", "Content-Type": "application/json"}, body

    def stop(self) -> None:
        self.server.stop()
