"""A loopback Epay gateway for bench/callbacks.py, in a process of its own so that its answers do not
wait on the benchmark's client threads: `api.php?act=order` answers, as tests/fakes/epay_api.py
does, what the gateway knows of an order, from a JSON file the benchmark wrote before starting it
({out_trade_no: the notify it sends for that order}: every order in it is paid).

    python bench/epay_gateway.py PORT PID KEY PAID.json
"""

from __future__ import annotations

import json
import logging
import sys

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response


def gateway(pid: str, key: str, paid: dict[str, dict]):
    @Request.application
    def answer(request: Request) -> Response:
        args = request.args
        if request.path != "/api.php" or args.get("act") != "order":
            return Response("not found", 404)
        if (args.get("pid"), args.get("key")) != (pid, key):
            return _json({"code": -2, "msg": "商户信息错误 (bad merchant)"})
        notify = paid.get(args.get("out_trade_no", ""))
        if notify is None:
            return _json({"code": -1, "msg": "订单号不存在 (no such order)"})
        return _json(_paid_order(pid, notify))

    return answer


def _paid_order(pid: str, notify: dict) -> dict:
    """The fields tests/fakes/epay_api.py's gateway answers for a paid order."""
    fields = ("trade_no", "out_trade_no", "type", "name", "money")
    return {"code": 1, "msg": "查询订单号成功！", "pid": pid, "status": 1, **{name: notify[name] for name in fields}}


def _json(body: dict) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), mimetype="application/json")


if __name__ == "__main__":
    port, pid, key, paid_file = sys.argv[1:5]
    with open(paid_file) as handle:
        paid = json.load(handle)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # a line per query would cost more than the answer
    make_server("127.0.0.1", int(port), gateway(pid, key, paid), threaded=True).serve_forever()
