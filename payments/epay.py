"""Epay ("易支付"), the aggregator protocol most Chinese card-key shops use for Alipay and WeChat Pay.

Checkout is a redirect to `<EPAY_URL>/submit.php` with MD5-signed parameters; the gateway then
calls our notify URL with signed query parameters (GET, sometimes POST) and expects the word
`success`. Anyone holding the merchant key can sign a notify, so a "success" is read back from
the gateway's order query (`api.php?act=order`) before it pays: a gateway that says otherwise puts
the order in review. The same query reconciles orders whose notify never came. The signature is MD5 over the parameters sorted by name, empty ones, `sign` and
`sign_type` left out, joined as `k=v&…`, with the merchant key appended. It is compared in
constant time. Amounts travel as yuan with two decimals ("9.99"): CNY only.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import replace
from urllib.parse import urlencode

from app.core.money import to_major
from payments.base import (
    Acknowledgement,
    Capabilities,
    CheckoutRequest,
    CheckoutStart,
    InvalidPayload,
    InvalidSignature,
    PaymentEvent,
    PaymentProvider,
    PaymentStatus,
    required_text,
)
from payments.epay_notify import notify_parameters, yuan_to_fen
from payments.http import call

METHODS = {"alipay": "alipay", "wxpay": "wechat_pay"}


class EpayProvider(PaymentProvider):
    name = "epay"
    label = "Alipay or WeChat Pay (Epay)"
    capabilities = Capabilities(
        refunds=False, methods=("alipay", "wechat_pay"), currencies=("CNY",), status_checks=True
    )
    livemode = True  # the protocol has no test mode

    def __init__(self, gateway_url: str, merchant_id: str, key: str, method: str = "alipay"):
        self._gateway = gateway_url.rstrip("/")
        self._pid = merchant_id
        self._key = key
        self._method = method

    def start_checkout(self, request: CheckoutRequest) -> CheckoutStart:
        params = {
            "pid": self._pid,
            "type": self._method,
            "out_trade_no": request.order_number,
            "notify_url": request.notify_url,
            "return_url": request.return_url,
            "name": request.description[:120],
            "money": to_major(request.amount_minor, "CNY"),
        }
        params.update(sign=sign(params, self._key), sign_type="MD5")
        return CheckoutStart(f"{self._gateway}/submit.php?{urlencode(params)}", request.order_number)

    def parse_webhook(self, headers: Mapping[str, str], body: bytes, query: Mapping[str, str]) -> list[PaymentEvent]:
        params = notify_parameters(headers, body, query)
        number = str(params.get("out_trade_no", ""))[:40]  # for the log of a refusal
        if not hmac.compare_digest(sign(params, self._key), str(params.get("sign", ""))):
            raise InvalidSignature("epay sign does not match the parameters", number)
        if params.get("pid") != self._pid:
            raise InvalidPayload(f"epay notify for another merchant id {_shown(params.get('pid'))}", number)
        if params.get("type") != self._method:
            raise InvalidPayload(
                f"epay notify paid by {_shown(params.get('type'))}, the shop takes {self._method!r}", number
            )
        try:
            event = self._event(params)
        except ValueError as exc:
            raise InvalidPayload(f"epay notify is not readable: {exc}", number) from None
        if event.kind != "paid":
            return [event]
        return [replace(event, contradicted_by=_contradiction(event, self.fetch_status(event.order_number)))]

    def fetch_status(self, checkout_reference: str) -> PaymentStatus:
        """The gateway's order query, by our order number (the checkout's reference). An order the
        gateway does not know was never submitted: unpaid."""
        answer = call(
            "epay",
            "GET",
            f"{self._gateway}/api.php",
            params={"act": "order", "pid": self._pid, "key": self._key, "out_trade_no": checkout_reference},
        )
        try:
            return _order_status(checkout_reference, answer)
        except (ValueError, KeyError, TypeError) as exc:
            raise InvalidPayload(f"epay order query is not readable: {exc}") from None

    def complete_return(self, query: Mapping[str, str]) -> list[PaymentEvent]:
        """The gateway sends the buyer back with the notify's own signed parameters: as good a proof
        of payment as the notify, should the notify never come (its event id makes one a duplicate)."""
        return self.parse_webhook({}, b"", query) if query else []

    def acknowledgement(self) -> Acknowledgement:
        return Acknowledgement("success")

    def _event(self, params: dict) -> PaymentEvent:
        status = params.get("trade_status", "")
        trade = required_text(params.get("trade_no"))
        return PaymentEvent(
            event_id=f"{trade}:{status}",
            kind="paid" if status == "TRADE_SUCCESS" else "other",
            order_number=required_text(params.get("out_trade_no")),
            amount_minor=yuan_to_fen(str(params.get("money", ""))),
            currency="CNY",
            provider_reference=trade,
            livemode=True,
        )


def _order_status(number: str, answer: dict) -> PaymentStatus:
    if str(answer.get("code")) != "1":
        return PaymentStatus("", "pending", number, 0, "CNY")
    money, trade = str(answer["money"]), required_text(answer["trade_no"])
    paid = str(answer["status"]) == "1"
    return PaymentStatus(
        trade,
        "paid" if paid else "pending",
        required_text(answer["out_trade_no"]),
        yuan_to_fen(money),
        "CNY",
        event_id=f"{trade}:TRADE_SUCCESS" if paid else "",
    )


def _contradiction(event: PaymentEvent, status: PaymentStatus) -> str:
    """What the gateway's own order query says against a notify's success, or ''."""
    if status.state != "paid":
        return "the epay gateway's order query says this order is not paid"
    if (status.provider_reference, status.amount_minor) != (event.provider_reference, event.amount_minor):
        said, told = to_major(status.amount_minor, "CNY"), to_major(event.amount_minor, "CNY")
        return (
            f"the epay gateway's order query says trade {status.provider_reference} of {said} CNY, "
            f"not trade {event.provider_reference} of {told} CNY"
        )
    return ""


def _shown(value: object) -> str:
    """A value from an unverified caller, short enough for a log line and an answer."""
    return repr(str(value)[:40])


def sign(params: Mapping[str, str], key: str) -> str:
    signed = sorted((k, str(v)) for k, v in params.items() if k not in ("sign", "sign_type") and str(v) != "")
    return hashlib.md5(("&".join(f"{k}={v}" for k, v in signed) + key).encode()).hexdigest()
