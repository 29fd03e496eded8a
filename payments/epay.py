"""Epay ("易支付"), the aggregator protocol most Chinese card-key shops use for Alipay and WeChat Pay.

Checkout is a redirect to `<EPAY_URL>/submit.php` with MD5-signed parameters; the gateway then
calls our notify URL with signed query parameters (GET, sometimes POST) and expects the word
`success`. The signature is MD5 over the parameters sorted by name, empty ones, `sign` and
`sign_type` left out, joined as `k=v&…`, with the merchant key appended. It is compared in
constant time. Amounts travel as yuan with two decimals ("9.99"): CNY only.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
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
    required_text,
)
from payments.epay_notify import notify_parameters, yuan_to_fen

METHODS = {"alipay": "alipay", "wxpay": "wechat_pay"}


class EpayProvider(PaymentProvider):
    name = "epay"
    label = "Alipay or WeChat Pay (Epay)"
    capabilities = Capabilities(refunds=False, methods=("alipay", "wechat_pay"), currencies=("CNY",))
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
            "return_url": request.landing_url or request.return_url,  # never the order's secret link
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
            return [self._event(params)]
        except ValueError as exc:
            raise InvalidPayload(f"epay notify is not readable: {exc}", number) from None

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


def _shown(value: object) -> str:
    """A value from an unverified caller, short enough for a log line and an answer."""
    return repr(str(value)[:40])


def sign(params: Mapping[str, str], key: str) -> str:
    signed = sorted((k, str(v)) for k, v in params.items() if k not in ("sign", "sign_type") and str(v) != "")
    return hashlib.md5(("&".join(f"{k}={v}" for k, v in signed) + key).encode()).hexdigest()
