"""The only module that speaks HTTP to the merchant: one signed POST, and what came back, for the log.
No redirects are followed (a signed body goes where the owner said, nowhere else); a slow receiver
is cut off, so one endpoint cannot hold a worker for long."""

from __future__ import annotations

import time
from dataclasses import dataclass

import requests

TIMEOUT = (5, 10)  # connect, read (seconds)
EXCERPT = 200  # characters of the answer kept in the log
USER_AGENT = "keyshop-webhooks/1"


@dataclass(frozen=True)
class Answer:
    status_code: int | None  # None: no answer at all
    excerpt: str
    duration_ms: int
    error: str

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def post(url: str, body: bytes, headers: dict[str, str]) -> Answer:
    started = time.monotonic()
    sent = {"content-type": "application/json", "user-agent": USER_AGENT, **headers}
    try:
        with requests.post(url, data=body, headers=sent, timeout=TIMEOUT, allow_redirects=False, stream=True) as answer:
            excerpt = next(answer.iter_content(EXCERPT * 4), b"").decode("utf-8", "replace")
            status = answer.status_code
    except requests.RequestException as exc:
        return Answer(None, "", _since(started), type(exc).__name__)
    error = "" if 200 <= status < 300 else f"answered {status}"
    return Answer(status, _printable(excerpt)[:EXCERPT], _since(started), error)


def _since(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def _printable(text: str) -> str:
    return "".join(c if c.isprintable() else " " for c in text).strip()
