"""The whole purchase through HTTP: a real gunicorn, a real worker process, real Redis."""

from __future__ import annotations

import json
import re
import time
from urllib.parse import parse_qs, urlsplit

import requests

from tests.shop import make_product, stock, unique_codes


def _poll_delivered(url: str, seconds: float = 15) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        body = requests.get(url, timeout=5).json()
        if body["status"] == "delivered":
            return body
        time.sleep(0.05)
    return body


def test_headless_purchase_is_delivered(app, live_server, worker):
    product_id = make_product(app, "steam-20", price="20.00")
    codes = unique_codes(3)
    stock(app, product_id, codes)

    created = requests.post(
        f"{live_server.url}/api/v1/orders",
        timeout=5,
        json={"product": "steam-20", "quantity": 2, "email": "ann@example.com", "method": "sandbox"},
    )
    assert created.status_code == 201, created.text
    order = created.json()
    assert order["status"] == "pending" and order["payment"]["provider"] == "sandbox"
    assert requests.get(f"{live_server.url}/api/v1/orders/{order['token']}", timeout=5).json().get("codes") is None

    session = parse_qs(urlsplit(order["payment"]["url"]).query)["s"][0]
    paid = requests.post(
        f"{live_server.url}/sandbox/pay", data={"s": session, "outcome": "paid"}, allow_redirects=False, timeout=5
    )
    assert paid.status_code == 303 and paid.headers["Location"].endswith(f"/back/sandbox/{order['number']}")

    body = _poll_delivered(f"{live_server.url}/api/v1/orders/{order['token']}")
    assert body["status"] == "delivered", worker.log()[-2000:]
    assert body["codes"] == codes[:2]
    assert body["number"] == order["number"]
    delivered = _json_lines(worker, "order delivered")
    assert [(line["order"], bool(line["job"])) for line in delivered] == [(order["number"], True)]
    [mailed] = _json_lines(worker, "mail order:")
    assert mailed["order"] == order["number"] and mailed["msg"].endswith("delivered sent")
    assert not any(code in worker.log() for code in codes)


def _json_lines(process, message: str) -> list[dict]:
    """keyshop's own log lines are JSON objects naming the order and the job."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        lines = [json.loads(line) for line in process.log().splitlines() if line.startswith("{")]
        found = [line for line in lines if line["msg"].startswith(message)]
        if found:
            return found
        time.sleep(0.1)
    return []


def test_browser_purchase_shows_the_code_on_the_order_page(app, live_server, worker):
    product_id = make_product(app, "win-11", price="9.99")
    codes = unique_codes(1)
    stock(app, product_id, codes)
    browser = requests.Session()

    assert "Win-11" in browser.get(f"{live_server.url}/", timeout=5).text
    page = browser.get(f"{live_server.url}/p/win-11", timeout=5)
    assert "$9.99" in page.text and 'value="sandbox"' in page.text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    form = {"product": "win-11", "quantity": "1", "email": "bo@example.com", "method": "sandbox"}
    assert browser.post(f"{live_server.url}/checkout", data=form, timeout=5).status_code == 400  # no CSRF token
    pay_page = browser.post(f"{live_server.url}/checkout", timeout=5, data={**form, "csrf_token": csrf})
    assert "/sandbox/pay" in pay_page.url and "Pay $9.99" in pay_page.text
    session = re.search(r'name="s" value="([^"]+)"', pay_page.text).group(1)
    order_page = browser.post(f"{live_server.url}/sandbox/pay", data={"s": session, "outcome": "paid"}, timeout=5)
    assert "/o/" in order_page.url

    deadline = time.monotonic() + 15
    while codes[0] not in order_page.text and time.monotonic() < deadline:
        time.sleep(0.1)
        order_page = browser.get(order_page.url, timeout=5)
    assert codes[0] in order_page.text
    assert order_page.headers["Cache-Control"] == "no-store"


def test_declined_payment_fails_the_order_and_delivers_nothing(app, live_server, worker):
    product_id = make_product(app, "gift", price="5.00")
    stock(app, product_id, unique_codes(1))
    order = requests.post(
        f"{live_server.url}/api/v1/orders",
        timeout=5,
        json={"product": "gift", "email": "cy@example.com", "method": "sandbox"},
    ).json()
    session = parse_qs(urlsplit(order["payment"]["url"]).query)["s"][0]
    requests.post(f"{live_server.url}/sandbox/pay", data={"s": session, "outcome": "failed"}, timeout=5)
    body = requests.get(f"{live_server.url}/api/v1/orders/{order['token']}", timeout=5).json()
    assert body["status"] == "failed" and "codes" not in body
