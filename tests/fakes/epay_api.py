"""A fake Epay gateway: submit.php checks the shop's signed redirect; notify calls are signed alike."""

from __future__ import annotations

import secrets

from flask import Flask, request

from payments.epay import sign
from tests.fakes.loopback import LoopbackServer


class FakeEpay:
    def __init__(self, pid: str, key: str):
        self.pid, self.key = pid, key
        self.submitted: list[dict] = []
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

        return app

    def notify(self, submitted: dict, trade_status="TRADE_SUCCESS", key: str | None = None, **changes) -> dict:
        """The query string the gateway sends to the notify URL once the buyer has paid."""
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
        return params

    def stop(self) -> None:
        self.server.stop()
