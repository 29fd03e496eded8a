"""A chat service on loopback for Apprise's generic JSON target (json://keyshop:TOKEN@127.0.0.1:PORT/hook):
it keeps each message's JSON body, and answers 500 while told to fail. The URL's token (the basic
auth password, which it checks) is planted: no log line of the run may hold it
(tests/secrets_in_logs.py), as no channel's token may."""

from __future__ import annotations

import json
import secrets
import threading

from werkzeug.wrappers import Request, Response

from tests.fakes.loopback import LoopbackServer
from tests.secrets_in_logs import PLANTED


class ChatReceiver:
    def __init__(self):
        self.messages: list[dict] = []
        self._paths: list[str] = []  # of the messages kept: which of the receiver's URLs each came to
        self.refused = 0  # messages answered 500
        self.failing = False
        self._lock = threading.Lock()
        self._server = LoopbackServer(self._wsgi)
        self.token = f"chat-token-{secrets.token_hex(8)}"
        PLANTED.add(self.token)
        self.apprise_url = self._server.url.replace("http://", f"json://keyshop:{self.token}@") + "/hook"

    @Request.application
    def _wsgi(self, request: Request) -> Response:
        with self._lock:
            if request.authorization is None or request.authorization.password != self.token:
                return Response("who are you", status=401)
            if self.failing:
                self.refused += 1
                return Response("down for the test", status=500)
            self.messages.append(json.loads(request.get_data(as_text=True)))
            self._paths.append(request.path)
        return Response("{}", content_type="application/json")

    def bodies(self) -> list[str]:
        with self._lock:
            return [message["message"] for message in self.messages]

    def paths(self) -> list[str]:
        with self._lock:
            return list(self._paths)

    def stop(self) -> None:
        self._server.stop()
