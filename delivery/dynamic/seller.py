"""Asking the seller's URL for a sale's codes: one POST signed as Standard Webhooks says, its
webhook-id the same on every try for the same sale, so the seller can tell a retry from a new sale.

The answer must be JSON {"codes": ["…", …]} with exactly the quantity asked for, each code one
printable line (as an uploaded text batch's). What is worth asking again (the URL unreachable, a
timeout, a 5xx, a 429) raises SellerUnavailable; a wrong answer raises BadAnswer, never retried:
asking again would most likely get the same wrong answer, or codes the seller has already spent."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

import requests

from app.core.standard_webhooks import headers
from keystore.formats import LineProblem, code_problem

CONNECT_SECONDS, READ_SECONDS = 3.0, 5.0
MOST_BYTES = 256 * 1024  # 100 codes of 512 characters, in JSON, fit with room to spare


class SellerUnavailable(Exception):
    """No answer, or an answer saying "later" (5xx, 429): worth asking again."""


class BadAnswer(Exception):
    """The seller answered, but not with the codes asked for: staff must look."""


@dataclass(frozen=True)
class Sale:
    """What the seller is told; the body of the request, as JSON."""

    order: str  # the order's number, as the buyer and staff see it
    product_id: int
    product: str  # its slug
    quantity: int
    currency: str
    amount_minor: int  # what the buyer paid for the whole order, in the currency's minor units
    reason: str = "sale"  # or "replacement": a code of the order reported as not working (amount 0)

    def message_id(self, replacement: str = "") -> str:
        return f"codes_{self.order}" + (f"_{replacement}" if replacement else "")


def ask_seller(url: str, secret: str, sale: Sale, message_id: str, timeout: float = READ_SECONDS) -> list[str]:
    body = json.dumps({"type": "codes.requested", **asdict(sale)}, separators=(",", ":")).encode()
    sent = {"content-type": "application/json", "user-agent": "keyshop", **headers([secret], message_id, body)}
    try:
        with requests.post(
            url, data=body, headers=sent, timeout=(CONNECT_SECONDS, timeout), allow_redirects=False, stream=True
        ) as response:
            status, raw = response.status_code, _read(response)
    except requests.RequestException as exc:
        raise SellerUnavailable(f"no answer ({type(exc).__name__})") from None
    if status >= 500 or status == 429:
        raise SellerUnavailable(f"HTTP {status}")
    if status != 200:
        raise BadAnswer(f"HTTP {status}, not 200")
    return codes_in(raw, sale.quantity)


def _read(response: requests.Response) -> bytes:
    raw = response.raw.read(MOST_BYTES + 1, decode_content=True)
    if len(raw) > MOST_BYTES:
        raise BadAnswer(f"an answer longer than {MOST_BYTES} bytes")
    return raw


def codes_in(raw: bytes, quantity: int) -> list[str]:
    """The codes of a 200 answer, or BadAnswer saying what is wrong with it (never quoting a code)."""
    try:
        answer = json.loads(raw)
    except ValueError:
        raise BadAnswer("the answer is not JSON") from None
    codes = answer.get("codes") if isinstance(answer, dict) else None
    if not isinstance(codes, list) or not all(isinstance(code, str) for code in codes):
        raise BadAnswer('the answer is not {"codes": ["…", …]}')
    codes = [code.strip() for code in codes]
    if len(codes) != quantity:
        raise BadAnswer(f"{len(codes)} code(s) where {quantity} were asked for")
    for number, code in enumerate(codes, start=1):
        problem = code_problem(number, code) if code else LineProblem(number, "empty")
        if problem:
            raise BadAnswer(f"code {number}: {problem.reason}")
    if len(set(codes)) != len(codes):
        raise BadAnswer("the same code twice")
    return codes
