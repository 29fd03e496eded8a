"""A merchant's server on loopback: every message's signature is verified with the Standard Webhooks
specification's own library (under each secret the test says the merchant holds), and every body
validated against its event type's JSON schema in docs/webhook-schemas. It answers 500 while told to
fail (`fail_next` counts the failures still to give), and keeps what arrived, in arrival order."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import jsonschema_rs
from standardwebhooks.webhooks import Webhook, WebhookVerificationError
from werkzeug.wrappers import Request, Response

from tests.fakes.loopback import LoopbackServer

SCHEMAS = Path(__file__).resolve().parents[2] / "docs" / "webhook-schemas"


def validator(event: str):
    return jsonschema_rs.validator_for(json.loads((SCHEMAS / f"{event}.json").read_text()))


@dataclass(frozen=True)
class Received:
    webhook_id: str
    type: str
    data: dict
    verified_by: tuple[str, ...]  # the secrets (of those the merchant holds) whose signature it carries
    signatures: int
    raw: bytes


class WebhookReceiver:
    def __init__(self, path: str = "/hooks/keyshop"):
        self.secrets: list[str] = []
        self.received: list[Received] = []
        self.refused = 0
        self.fail_next = 0
        self.fail_always = False
        self.delay = 0.0  # seconds each answer takes (two senders then overlap)
        self.problems: list[str] = []  # anything unsigned, stale, or off its schema
        self._lock = threading.Lock()
        self._server = LoopbackServer(self._wsgi)
        self.url = self._server.url + path

    @Request.application
    def _wsgi(self, request: Request) -> Response:
        body = request.get_data()
        time.sleep(self.delay)
        headers = {name.lower(): value for name, value in request.headers.items()}
        verified = tuple(secret for secret in self.secrets if _verifies(secret, body, headers))
        with self._lock:
            if not verified:
                self.problems.append(f"unverified {headers.get('webhook-id')}")
                return Response("bad signature", status=401)
            if self.fail_always or self.fail_next > 0:
                self.fail_next = max(self.fail_next - 1, 0)
                self.refused += 1
                return Response("down for the test", status=500)
            message = json.loads(body)
            errors = [str(error) for error in validator(message["type"]).iter_errors(message)]
            self.problems.extend(f"{message['type']}: {error}" for error in errors)
            signatures = len(headers.get("webhook-signature", "").split())
            self.received.append(
                Received(headers["webhook-id"], message["type"], message["data"], verified, signatures, body)
            )
        return Response('{"ok": true}', content_type="application/json")

    def types(self) -> list[str]:
        with self._lock:
            return [message.type for message in self.received]

    def stop(self) -> None:
        self._server.stop()


def _verifies(secret: str, body: bytes, headers: dict) -> bool:
    try:
        Webhook(secret).verify(body, headers)
    except WebhookVerificationError:
        return False
    return True
