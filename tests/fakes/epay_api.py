"""A fake Epay gateway: submit.php checks the shop's signed redirect; notify calls are signed alike;
api.php?act=order answers, with the merchant id and key, what the gateway knows of an order."""

from __future__ import annotations

import secrets

from flask import Flask, request

from payments.epay import sign
from tests.fakes.loopback import LoopbackServer


class FakeEpay:
    def __init__(self, pid: str, key: str):
        self.pid, self.key = pid, key
        self.submitted: list[dict] = []
        self.paid: dict[str, dict] = {}  # out_trade_no -> the notify the gateway sent for it
        self.queries = 0
        self.server = LoopbackServer(self._app())
        self.url = self.server.url

    def _app(self) -> Flask:
        app = Flask("fake-epay")

        @app.get("/submit.php")
        def submit():
            params = request.args.to_dict()
            if params.get("pid") != self.pid or sign(params, self.key) != params.get("sign"):
                return "签名错误 (bad sign)", 400
            self.submitted.append(params)
            return f"pay {params['money']} for {params['out_trade_no']}", 200

        @app.get("/api.php")
        def query():
            self.queries += 1
            args = request.args
            if args.get("act") != "order" or (args.get("pid"), args.get("key")) != (self.pid, self.key):
                return {"code": -2, "msg": "商户信息错误 (bad merchant)"}
            number = args.get("out_trade_no", "")
            submitted = next((s for s in reversed(self.submitted) if s["out_trade_no"] == number), None)
            if submitted is None:
                return {"code": -1, "msg": "订单号不存在 (no such order)"}
            return self._order(submitted, self.paid.get(number))

        return app

    def _order(self, submitted: dict, paid: dict | None) -> dict:
        """As the gateway answers: status 1 once paid, the trade number it gave the payment."""
        return {
            "code": 1,
            "msg": "查询订单号成功！",
            "trade_no": paid["trade_no"] if paid else "2026" + submitted["out_trade_no"][3:],
            "out_trade_no": submitted["out_trade_no"],
            "type": submitted["type"],
            "pid": self.pid,
            "name": submitted["name"],
            "money": paid["money"] if paid else submitted["money"],
            "status": 1 if paid else 0,
        }

    def pay(self, submitted: dict, **changes) -> dict:
        """The buyer pays: the gateway records it (its order query says so) and returns the notify it
        would send, which a test may deliver, or not (a notify lost on the way)."""
        params = self.notify(submitted, sent=False, **changes)
        self.paid[submitted["out_trade_no"]] = params
        return params

    def notify(
        self, submitted: dict, trade_status="TRADE_SUCCESS", key: str | None = None, sent: bool = True, **changes
    ) -> dict:
        """The query string the gateway sends to the notify URL once the buyer has paid (`sent`: and the
        gateway records the payment; False for a notify the gateway never sent, signed by whoever
        holds the key)."""
        params = {
            "pid": self.pid,
            "trade_no": "2026" + secrets.token_hex(8),
            "out_trade_no": submitted["out_trade_no"],
            "type": submitted["type"],
            "name": submitted["name"],
            "money": submitted["money"],
            "trade_status": trade_status,
            **changes,
        }
        params.update(sign=sign(params, key or self.key), sign_type="MD5")
        if sent and trade_status == "TRADE_SUCCESS" and key is None:
            self.paid[submitted["out_trade_no"]] = params
        return params

    def stop(self) -> None:
        self.server.stop()
