"""Cached pages with two gunicorn web processes: a change made through one process is on the next
page from either, also while buyers read the page at the same moment (both backends)."""

from __future__ import annotations

import re
import threading
import time

import requests

from app.core.extensions import db
from app.core.staff import create_staff
from tests.app.web.test_admin_catalog import GOOD, PASSWORD
from tests.processes import LiveServer
from tests.shop import in_app, make_product, stock, unique_codes

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def _signed_in_owner(app, url: str) -> requests.Session:
    in_app(app, lambda: create_staff(db.session, "owner@example.com", PASSWORD, role="owner"))
    owner = requests.Session()
    token = TOKEN.search(owner.get(f"{url}/admin/login", timeout=30).text).group(1)
    form = {"email": "owner@example.com", "password": PASSWORD, "csrf_token": token}
    assert owner.post(f"{url}/admin/login", data=form, allow_redirects=False, timeout=30).status_code == 302
    return owner


def _edit_price(owner: requests.Session, url: str, product_id: int, price: str) -> None:
    edit = f"{url}/admin/products/{product_id}/edit"
    token = TOKEN.search(owner.get(edit, timeout=30).text).group(1)
    fixed = {"slug": "card", "normalise": "none", "stock_display": "state", "low_stock_threshold": "5"}
    form = {**GOOD, **fixed, "price": price, "csrf_token": token}
    assert owner.post(edit, data=form, allow_redirects=False, timeout=30).status_code == 302


class _Readers:
    """Buyers reading the product page on fresh connections (each may land on either process),
    each page noted with the moment its request started."""

    def __init__(self, url: str, threads: int = 4):
        self.url, self.seen, self.running = url, [], True
        self.threads = [threading.Thread(target=self._read) for _ in range(threads)]

    def _read(self) -> None:
        while self.running:
            started = time.monotonic()
            answer = requests.get(f"{self.url}/p/card", headers={"Connection": "close"}, timeout=30)
            self.seen.append((started, answer.status_code, answer.text))

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.running = False
        for thread in self.threads:
            thread.join()


def test_a_change_through_one_process_shows_through_the_other_at_once(shop_env, app):
    product_id = make_product(app, "card", price="9.99")
    stock(app, product_id, unique_codes(20))
    server = LiveServer(shop_env, workers=2)
    try:
        owner = _signed_in_owner(app, server.url)
        with _Readers(server.url) as readers:
            time.sleep(1.5)  # both processes have the page cached at $9.99
            _edit_price(owner, server.url, product_id, "12.50")
            changed = time.monotonic()  # the edit has committed: its answer came back
            time.sleep(1.5)
        before = [text for started, _, text in readers.seen if started < changed]
        after = [(status, text) for started, status, text in readers.seen if started > changed]
        assert any("$9.99" in text for text in before) and len(after) > 5
        assert all(status == 200 and "$12.50" in text and "$9.99" not in text for status, text in after)
    finally:
        server.stop()
