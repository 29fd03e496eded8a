"""A fake PayPal REST API: OAuth, Orders v2, captures, refunds, and verify-webhook-signature.

`PayPal-Request-Id` works as PayPal's idempotency key. Real webhook signatures are RSA over
"transmission id|time|webhook id|CRC32 of the body" checked by PayPal; here the fake signs the same
string with an HMAC only it knows, and its verify call is the only judge, as PayPal's is.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import zlib
from datetime import UTC, datetime, timedelta

from flask import Flask, jsonify, request

from tests.fakes.loopback import LoopbackServer


class FakePayPal:
    def __init__(self, client_id: str, secret: str, webhook_id: str):
        self.client_id, self.secret, self.webhook_id = client_id, secret, webhook_id
        self.orders: dict[str, dict] = {}
        self.refunds: dict[str, dict] = {}
        self.disputes: dict[str, dict] = {}
        self.evidence_submissions: list[tuple[str, list[dict]]] = []  # (dispute id, evidences): each one taken
        self.capture_calls = 0
        self._fail_next = 0
        self._signing_key = secrets.token_bytes(32)
        self._answers: dict[str, tuple[dict, int]] = {}
        self._lock = threading.Lock()
        self.server = LoopbackServer(self._app())
        self.url = self.server.url

    def approve(self, order_id: str) -> None:
        self.orders[order_id]["status"] = "APPROVED"

    def fail_next(self, times: int = 1) -> None:
        """The next call(s) to the API answer 503 without doing anything."""
        self._fail_next = times

    def open_dispute(self, capture_id: str, reason: str = "MERCHANDISE_OR_SERVICE_NOT_RECEIVED") -> dict:
        """The buyer disputes a capture: a dispute waiting for the seller. Returns it (a webhook's resource)."""
        [capture] = [c for c in self._captures() if c["id"] == capture_id]
        dispute = {
            "dispute_id": "PP-D-" + secrets.token_hex(4).upper(),
            "create_time": _now(),
            "reason": reason,
            "status": "WAITING_FOR_SELLER_RESPONSE",
            "dispute_amount": capture["amount"],
            "disputed_transactions": [{"seller_transaction_id": capture_id, "custom": capture["custom_id"]}],
            "seller_response_due_date": (datetime.now(UTC) + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        }
        self.disputes[dispute["dispute_id"]] = dispute
        return dispute

    def resolve_dispute(self, dispute_id: str, outcome_code: str) -> dict:
        dispute = self.disputes[dispute_id]
        dispute.update(status="RESOLVED", dispute_outcome={"outcome_code": outcome_code})
        return dispute

    def webhook(self, event_type: str, resource: dict, webhook_id: str | None = None) -> tuple[dict, bytes]:
        body = json.dumps(
            {
                "id": "WH-" + secrets.token_hex(8),
                "event_type": event_type,
                "resource": resource,
                "resource_type": "capture",
                "create_time": _now(),
            }
        ).encode()
        transmission_id, stamp = secrets.token_hex(8), _now()
        message = f"{transmission_id}|{stamp}|{webhook_id or self.webhook_id}|{zlib.crc32(body)}"
        signature = base64.b64encode(hmac.new(self._signing_key, message.encode(), hashlib.sha256).digest()).decode()
        return {
            "PAYPAL-AUTH-ALGO": "SHA256withRSA",
            "PAYPAL-CERT-URL": f"{self.url}/certs/1",
            "PAYPAL-TRANSMISSION-ID": transmission_id,
            "PAYPAL-TRANSMISSION-SIG": signature,
            "PAYPAL-TRANSMISSION-TIME": stamp,
            "Content-Type": "application/json",
        }, body

    def _app(self) -> Flask:
        app = Flask("fake-paypal")

        @app.post("/v1/oauth2/token")
        def token():
            auth = request.authorization
            if not auth or (auth.username, auth.password) != (self.client_id, self.secret):
                return jsonify(error="invalid_client"), 401
            return jsonify(access_token="A21-" + secrets.token_hex(8), token_type="Bearer", expires_in=32400)

        @app.post("/v2/checkout/orders")
        def create_order():
            return self._once(self._create_order)

        @app.post("/v2/checkout/orders/<order_id>/capture")
        def capture(order_id):
            return self._once(lambda body: self._capture(order_id))

        @app.post("/v2/payments/captures/<capture_id>/refund")
        def refund(capture_id):
            return self._once(lambda body: self._refund(capture_id, body))

        @app.post("/v1/customer/disputes/<dispute_id>/provide-evidence")
        def provide_evidence(dispute_id):
            return self._once(lambda body: self._provide_evidence(dispute_id))

        @app.get("/v2/checkout/orders/<order_id>")
        def get_order(order_id):
            order = self.orders.get(order_id)
            return (jsonify(order), 200) if order else (jsonify(name="RESOURCE_NOT_FOUND"), 404)

        @app.get("/v2/payments/captures/<capture_id>")
        def get_capture(capture_id):
            found = [c for c in self._captures() if c["id"] == capture_id]
            return (jsonify(found[0]), 200) if found else (jsonify(name="RESOURCE_NOT_FOUND"), 404)

        @app.post("/v1/notifications/verify-webhook-signature")
        def verify():
            body = request.get_json()
            event = json.dumps(body["webhook_event"]).encode()
            message = f"{body['transmission_id']}|{body['transmission_time']}|{body['webhook_id']}|{zlib.crc32(event)}"
            expected = base64.b64encode(hmac.new(self._signing_key, message.encode(), hashlib.sha256).digest()).decode()
            ok = hmac.compare_digest(expected, body["transmission_sig"]) and body["webhook_id"] == self.webhook_id
            return jsonify(verification_status="SUCCESS" if ok else "FAILURE")

        @app.before_request
        def bearer():
            if request.path != "/v1/oauth2/token" and not request.headers.get("Authorization", "").startswith(
                "Bearer A21-"
            ):
                return jsonify(name="AUTHENTICATION_FAILURE"), 401

        return app

    def _once(self, work):
        key = request.headers.get("PayPal-Request-Id", "")
        with self._lock:
            if self._fail_next:
                self._fail_next -= 1
                return jsonify(name="INTERNAL_SERVICE_ERROR"), 503
            if key and key in self._answers:
                body, status = self._answers[key]
                return jsonify(body), status
            body, status = work(request.get_json(silent=True) or {})
            if key and status < 500:
                self._answers[key] = (body, status)
            return jsonify(body), status

    def _create_order(self, body: dict) -> tuple[dict, int]:
        order_id = secrets.token_hex(8).upper()
        unit = body["purchase_units"][0]
        order = {
            "id": order_id,
            "status": "CREATED",
            "intent": body["intent"],
            "purchase_units": [unit],
            "payment_source": body.get("payment_source", {}),
            "links": [{"rel": "payer-action", "href": f"{self.url}/checkoutnow?token={order_id}"}],
        }
        self.orders[order_id] = order
        return order, 201

    def _capture(self, order_id: str) -> tuple[dict, int]:
        self.capture_calls += 1
        order = self.orders.get(order_id)
        if order is None:
            return {"name": "RESOURCE_NOT_FOUND"}, 404
        if order["status"] == "COMPLETED":
            return {"name": "UNPROCESSABLE_ENTITY", "details": [{"issue": "ORDER_ALREADY_CAPTURED"}]}, 422
        if order["status"] != "APPROVED":
            return {"name": "UNPROCESSABLE_ENTITY", "details": [{"issue": "ORDER_NOT_APPROVED"}]}, 422
        unit = order["purchase_units"][0]
        capture = {
            "id": secrets.token_hex(8).upper(),
            "status": "COMPLETED",
            "amount": unit["amount"],
            "custom_id": unit["custom_id"],
        }
        unit["payments"] = {"captures": [capture]}
        order["status"] = "COMPLETED"
        return order, 201

    def _refund(self, capture_id: str, body: dict) -> tuple[dict, int]:
        if not [c for c in self._captures() if c["id"] == capture_id]:
            return {"name": "RESOURCE_NOT_FOUND"}, 404
        refund = {"id": secrets.token_hex(8).upper(), "status": "COMPLETED", "amount": body["amount"]}
        self.refunds[refund["id"]] = refund
        return refund, 201

    def _provide_evidence(self, dispute_id: str) -> tuple[dict, int]:
        """Multipart: the evidence as JSON in the `input` part. Taken once: the dispute then is under review."""
        dispute = self.disputes.get(dispute_id)
        if dispute is None:
            return {"name": "RESOURCE_NOT_FOUND"}, 404
        if not request.content_type.startswith("multipart/form-data") or "input" not in request.form:
            return {"name": "INVALID_REQUEST", "details": [{"issue": "MISSING_INPUT_PART"}]}, 400
        if dispute["status"] != "WAITING_FOR_SELLER_RESPONSE":
            return {"name": "UNPROCESSABLE_ENTITY", "details": [{"issue": "NOT_ALLOWED_IN_CURRENT_STATUS"}]}, 422
        evidences = json.loads(request.form["input"])["evidences"]
        dispute["status"] = "UNDER_REVIEW"
        self.evidence_submissions.append((dispute_id, evidences))
        return {"links": [{"rel": "self", "href": f"{self.url}/v1/customer/disputes/{dispute_id}"}]}, 200

    def _captures(self) -> list[dict]:
        return [
            c
            for o in self.orders.values()
            for u in o["purchase_units"]
            for c in u.get("payments", {}).get("captures", [])
        ]

    def stop(self) -> None:
        self.server.stop()


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
