"""A fake of the slice of Stripe's API keyshop uses, and webhooks signed exactly as Stripe signs them.

It keeps Checkout Sessions, payment intents and refunds in memory, honours `Idempotency-Key` the
way Stripe does (same key, same answer), and can be told to fail the next call after doing its
work, as when Stripe refunds but the answer is lost on the way.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import threading
import time

from flask import Flask, jsonify, request

from tests.fakes.loopback import LoopbackServer


class FakeStripe:
    def __init__(self):
        self.sessions: dict[str, dict] = {}
        self.intents: dict[str, dict] = {}
        self.refunds: dict[str, dict] = {}
        self.disputes: dict[str, dict] = {}
        self.evidence_submissions: list[tuple[str, dict]] = []  # (dispute id, evidence): each one Stripe took
        self.requests: list[tuple[str, str, dict]] = []
        self._answers: dict[str, tuple[dict, int]] = {}
        self._fail_next_after_work = 0
        self._fail_next = 0
        self._stall = 0.0
        self._lock = threading.Lock()
        self.server = LoopbackServer(self._app())
        self.url = self.server.url

    def stall_next_after_work(self, seconds: float) -> None:
        """The next call does its work, then answers only after `seconds` (the client times out)."""
        self._stall = seconds

    def fail_next_after_work(self, times: int = 1) -> None:
        """The next call(s) do their work, then answer 500 (a lost answer, from the client's side)."""
        self._fail_next_after_work = times

    def fail_next(self, times: int = 1) -> None:
        """The next call(s) answer 500 without doing anything (Stripe down for a moment)."""
        self._fail_next = times

    def open_dispute(self, intent_id: str, reason: str = "fraudulent", due_in_days: int = 7) -> dict:
        """The buyer's bank disputes the payment: a dispute waiting for evidence. Returns it."""
        intent = self.intents[intent_id]
        dispute = {
            "id": "dp_" + secrets.token_hex(12),
            "object": "dispute",
            "amount": intent["amount"],
            "currency": intent["currency"],
            "charge": "ch_" + secrets.token_hex(12),
            "payment_intent": intent_id,
            "reason": reason,
            "status": "needs_response",
            "evidence": {},
            "evidence_details": {"due_by": int(time.time()) + due_in_days * 86400, "submission_count": 0},
            "metadata": {},
            "livemode": False,
        }
        self.disputes[dispute["id"]] = dispute
        return dispute

    def close_dispute(self, dispute_id: str, status: str) -> dict:
        self.disputes[dispute_id]["status"] = status
        return self.disputes[dispute_id]

    def pay(self, session_id: str, amount_total: int | None = None, currency: str | None = None) -> dict:
        """The buyer pays: the session completes with a payment intent. Returns the session."""
        session = self.sessions[session_id]
        intent_id = "pi_" + secrets.token_hex(12)
        self.intents[intent_id] = {
            "id": intent_id,
            "object": "payment_intent",
            "status": "succeeded",
            "amount": session["amount_total"],
            "currency": session["currency"],
            "metadata": session["payment_intent_data"].get("metadata", {}),
        }
        session.update(payment_intent=intent_id, payment_status="paid", status="complete")
        if amount_total is not None:
            session["amount_total"] = amount_total
        if currency is not None:
            session["currency"] = currency
        return session

    def expire(self, session_id: str) -> dict:
        """The session's 24 hours are over unpaid: it can no longer be paid."""
        session = self.sessions[session_id]
        session["status"] = "expired"
        return session

    def _app(self) -> Flask:
        app = Flask("fake-stripe")

        @app.post("/v1/checkout/sessions")
        def create_session():
            return self._once(self._create_session)

        @app.get("/v1/checkout/sessions/<session_id>")
        def get_session(session_id):
            session = self.sessions.get(session_id)
            return (
                jsonify(session)
                if session
                else _error(404, "resource_missing", f"No such checkout.session: '{session_id}'")
            )

        @app.get("/v1/payment_intents/<intent_id>")
        def get_intent(intent_id):
            intent = self.intents.get(intent_id)
            return (
                jsonify(intent) if intent else _error(404, "resource_missing", f"No such payment_intent: '{intent_id}'")
            )

        @app.post("/v1/refunds")
        def create_refund():
            return self._once(self._create_refund)

        @app.post("/v1/disputes/<dispute_id>")
        def update_dispute(dispute_id):
            return self._once(lambda params: self._update_dispute(dispute_id, params))

        return app

    def _once(self, work):
        """Stripe's idempotency: a repeated key gets the first answer, and the work is not redone."""
        key = request.headers.get("Idempotency-Key", "")
        with self._lock:
            params = nested(request.form)
            self.requests.append((request.method, request.path, params))
            if self._fail_next:
                self._fail_next -= 1
                return _error(500, "api_error", "Something went wrong on Stripe's end.")
            if key and key in self._answers:
                body, status = self._answers[key]
                return jsonify(body), status
            body, status = work(params)
            if key:
                self._answers[key] = (body, status)
            stall, self._stall = self._stall, 0.0
        if stall:
            time.sleep(stall)
        with self._lock:
            if self._fail_next_after_work:
                self._fail_next_after_work -= 1
                return _error(500, "api_error", "Something went wrong on Stripe's end.")
            return jsonify(body), status

    def _create_session(self, params: dict) -> tuple[dict, int]:
        session_id = "cs_test_" + secrets.token_hex(12)
        items = params["line_items"]
        total = sum(int(item["quantity"]) * int(item["price_data"]["unit_amount"]) for item in items.values())
        session = {
            "id": session_id,
            "object": "checkout.session",
            "url": f"{self.url}/pay/{session_id}",
            "client_reference_id": params.get("client_reference_id"),
            "metadata": params.get("metadata", {}),
            "payment_intent_data": params.get("payment_intent_data", {}),
            "amount_total": total,
            "currency": items["0"]["price_data"]["currency"],
            "payment_status": "unpaid",
            "status": "open",
            "payment_intent": None,
            "livemode": False,
            "success_url": params["success_url"],
            "payment_method_types": list(params.get("payment_method_types", {}).values()),
        }
        self.sessions[session_id] = session
        return session, 200

    def _create_refund(self, params: dict) -> tuple[dict, int]:
        intent = self.intents.get(params.get("payment_intent", ""))
        if intent is None:
            return _error_body("resource_missing", "No such payment_intent"), 400
        amount = int(params.get("amount", intent["amount"]))
        refunded = sum(r["amount"] for r in self.refunds.values() if r["payment_intent"] == intent["id"])
        if amount + refunded > intent["amount"]:
            return _error_body(
                "invalid_request_error", f"Refund amount ({amount}) is greater than unrefunded amount"
            ), 400
        refund = {
            "id": "re_" + secrets.token_hex(12),
            "object": "refund",
            "status": "succeeded",
            "amount": amount,
            "currency": intent["currency"],
            "payment_intent": intent["id"],
        }
        self.refunds[refund["id"]] = refund
        return refund, 200

    def _update_dispute(self, dispute_id: str, params: dict) -> tuple[dict, int]:
        """Evidence is staged until `submit`; once submitted Stripe takes no more."""
        dispute = self.disputes.get(dispute_id)
        if dispute is None:
            return _error_body("resource_missing", f"No such dispute: '{dispute_id}'"), 404
        if dispute["status"] not in ("needs_response", "warning_needs_response"):
            return _error_body("invalid_request_error", "This dispute is already closed or under review"), 400
        dispute["evidence"].update(params.get("evidence", {}))
        if params.get("submit", "true") == "true":
            dispute["status"] = "under_review"
            dispute["evidence_details"]["submission_count"] += 1
            self.evidence_submissions.append((dispute_id, dict(dispute["evidence"])))
        return dispute, 200

    def stop(self) -> None:
        self.server.stop()


def signed(payload: dict, secret: str, timestamp: float | None = None) -> tuple[dict, bytes]:
    """Headers and body of a webhook, signed as Stripe signs: HMAC-SHA256 over "<t>.<body>"."""
    body = json.dumps(payload).encode()
    stamp = int(time.time() if timestamp is None else timestamp)
    signature = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    return {"Stripe-Signature": f"t={stamp},v1={signature}", "Content-Type": "application/json"}, body


def event(kind: str, obj: dict, livemode: bool = False) -> dict:
    return {
        "id": "evt_" + secrets.token_hex(12),
        "object": "event",
        "type": kind,
        "livemode": livemode,
        "created": int(time.time()),
        "data": {"object": obj},
    }


def nested(form) -> dict:
    """Stripe's form encoding (`line_items[0][price_data][currency]=usd`) back into dicts."""
    result: dict = {}
    for key, value in form.items(multi=True):
        parts = re.findall(r"[^\[\]]+", key)
        target = result
        for part in parts[:-1]:
            target = target.setdefault(part, {})
        target[parts[-1]] = value
    return result


def _error_body(kind: str, message: str) -> dict:
    return {
        "error": {
            "type": "invalid_request_error" if kind != "api_error" else "api_error",
            "code": kind,
            "message": message,
        }
    }


def _error(status: int, kind: str, message: str):
    return jsonify(_error_body(kind, message)), status
