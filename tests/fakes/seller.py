"""A seller's own system on loopback, as a dynamic product's URL: it checks every request's signature
with the Standard Webhooks reference library (standardwebhooks), keeps what it was sent, and answers
as the test plans: fresh codes (the same ones again for a retried webhook-id, as a seller that
dedupes would), a status, a body of its own, or nothing for a while. Every code it gives is planted:
no log line of the run may hold one (tests/secrets_in_logs.py)."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass

from standardwebhooks.webhooks import Webhook, WebhookVerificationError
from werkzeug.wrappers import Request, Response

from tests.fakes.loopback import LoopbackServer
from tests.shop import unique_codes


@dataclass(frozen=True)
class Received:
    message_id: str
    body: dict
    signed: bool  # the signature verified under the secret the seller holds


class SellerEndpoint:
    def __init__(self):
        self.secret = ""  # the product's signing secret, given to the seller as the owner would
        self.received: list[Received] = []
        self.plan: list[object] = []  # answers to give first, in order: a status, bytes, ("sleep", s)
        self.given: dict[str, list[str]] = {}  # codes given, by webhook-id
        self._lock = threading.Lock()
        self._server = LoopbackServer(self._wsgi)
        self.url = self._server.url + "/codes"

    @Request.application
    def _wsgi(self, request: Request) -> Response:
        body = request.get_data()
        with self._lock:
            signed = self._verified(body, request.headers)
            sale = json.loads(body)
            self.received.append(Received(request.headers.get("webhook-id", ""), sale, signed))
            planned = self.plan.pop(0) if self.plan else None
        if not signed:
            return Response("bad signature", status=401)
        return self._answer(planned, request.headers["webhook-id"], sale["quantity"])

    def _verified(self, body: bytes, headers) -> bool:
        try:
            Webhook(self.secret).verify(body, {name.lower(): value for name, value in headers.items()})
        except WebhookVerificationError:
            return False
        return True

    def _answer(self, planned, message_id: str, quantity: int) -> Response:
        if isinstance(planned, tuple) and planned[0] == "sleep":
            time.sleep(planned[1])
            planned = None
        if isinstance(planned, int):
            return Response("planned", status=planned)
        if isinstance(planned, bytes):
            return Response(planned, content_type="application/json")
        with self._lock:
            codes = self.given.setdefault(message_id, unique_codes(quantity, prefix="DYN"))
        return Response(json.dumps({"codes": codes}), content_type="application/json")

    def stop(self) -> None:
        self._server.stop()
