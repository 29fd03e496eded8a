"""The shop of the shop-day test (tests/feedback/test_shop_day.py): its stock, and the ledger of what
its buyers were given, kept from what they saw (each code's text names its batch), so the day's
figures can be worked out from what the test did."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

from rq import Queue
from rq.registry import StartedJobRegistry
from sqlalchemy import ColumnElement, select

from app.core.extensions import db
from feedback.models import CodeReport
from tests.feedback.aftersale import batch_named, staff_post
from tests.feedback.shop_day.buyer import Buyers
from tests.shop import in_app, make_product, place, set_product, stock, unique_codes


@dataclass
class Sale:
    """One order as its buyer knows it."""

    token: str
    number: str
    order_id: int
    email: str
    slug: str
    codes: list[str] = field(default_factory=list)  # every code it was shown, replacements too


@dataclass
class Product:
    slug: str
    price_minor: int
    product_id: int


class Day:
    def __init__(self, app, staff_client, server_url: str):
        self.app, self.staff = app, staff_client
        self.buyers = Buyers(app, server_url)
        self.products: dict[str, Product] = {}
        self.batches: dict[str, int] = {}  # name -> id
        self.supplier: dict[str, str] = {}  # batch name -> supplier
        self.product_of: dict[str, str] = {}  # batch name -> product slug
        self.sales: list[Sale] = []
        self.reports: list[str] = []  # the codes reported, in order
        self.held: list[str] = []  # those whose report waits for staff
        self.replacements: list[tuple[Sale, str]] = []  # (the order, its new code)
        self.stars: dict[str, list[int]] = {}  # product slug -> the reviews' stars
        self.resolved_conversations = 0
        self.support_scores: list[int] = []  # the buyers' ratings of the support
        self.given_at_release: dict[str, int] = {}  # batch name -> codes given when the owner released it

    def add_product(self, slug: str, price: str, **settings) -> None:
        product_id = make_product(self.app, slug, price)
        if settings:
            set_product(self.app, product_id, **settings)
        self.products[slug] = Product(slug, round(float(price) * 100), product_id)

    def add_batch(self, slug: str, name: str, count: int, supplier: str = "", hold_at: tuple[int, int] | None = None):
        """`hold_at`: (percent, buyers) of the batch's complaint threshold, set by the owner's form."""
        stock(self.app, self.products[slug].product_id, unique_codes(count, prefix=_prefix(name)), name=name)
        self.batches[name] = batch_named(self.app, name, supplier=supplier)
        self.supplier[name], self.product_of[name] = supplier, slug
        if hold_at:
            percent, least = hold_at
            path = f"/admin/batches/{self.batches[name]}/complaint-threshold"
            assert staff_post(self.staff, path, percent=str(percent), minimum=str(least)).status_code == 302

    def sell(self, orders: list[tuple[str, str, int]]) -> list[Sale]:
        """(product, buyer, quantity) placed, then paid all at once through the web server; each
        waited for until delivered."""
        placed = [place(self.app, slug, quantity=quantity, email=email) for slug, email, quantity in orders]
        amounts = [self.products[slug].price_minor * quantity for slug, _, quantity in orders]
        self.buyers.pay_at_once(placed, amounts)
        return [self.delivered(p, slug, email) for p, (slug, email, _) in zip(placed, orders)]

    def delivered(self, placed, slug: str, email: str) -> Sale:
        body = self.buyers.wait_for(placed.token, lambda b: b["status"] == "delivered")
        assert body["status"] == "delivered", body
        sale = Sale(placed.token, placed.number, placed.order_id, email, slug, list(body.get("codes", [])))
        self.sales.append(sale)
        return sale

    def report(self, sale: Sale, code: str) -> tuple[str, float, float]:
        """The buyer reports `code`: (its replacement, when the report was sent, seconds from the
        report to the replacement on the buyer API)."""
        sent = self.buyers.report(sale.token, code)
        self.reports.append(code)
        body = self.buyers.wait_for(sale.token, lambda b: set(b.get("codes", [])) - set(sale.codes))
        waited = time.monotonic() - sent
        new_codes = set(body.get("codes", [])) - set(sale.codes)
        assert len(new_codes) == 1, f"order {sale.number}: no replacement in {waited:.1f} s, {body['status']}"
        [new] = new_codes
        assert code not in body["codes"]  # out of use from the report on
        sale.codes.append(new)
        self.replacements.append((sale, new))
        return new, sent, waited

    def report_held(self, sale: Sale, code: str) -> str:
        """The buyer reports `code` and gets no new one: the report waits for staff. Why, as they see it."""
        self.buyers.report(sale.token, code)
        self.reports.append(code)
        self.held.append(code)
        self.after_sale_done()
        body = self.buyers.order(sale.token)
        assert body["codes_under_review"] == [code] and set(body["codes"]) < set(sale.codes), body["status"]
        return in_app(self.app, lambda: db.session.scalar(select(CodeReport.held_because).where(_of(sale))))

    def batch_of(self, code: str) -> str:
        return {_prefix(name): name for name in self.batches}[code.split("-")[0]]

    def holding(self, batch: str) -> list[tuple[Sale, str]]:
        """(order, code) of each working code of `batch` its buyers were given and did not report."""
        return [
            (sale, code)
            for sale in self.sales
            for code in sale.codes
            if self.batch_of(code) == batch and code not in self.reports
        ]

    def given(self) -> Counter:
        """Codes given to buyers, per batch."""
        return Counter(self.batch_of(code) for sale in self.sales for code in sale.codes)

    def after_sale_done(self, seconds: float = 30) -> None:
        """Until no after-sale job is queued or running, five looks in a row (a job being taken is in
        neither list for a moment): each report's job has also checked its batch."""
        connection = self.app.extensions["keyshop.redis"]
        queue = Queue("aftersale", connection=connection)
        registry = StartedJobRegistry(queue=queue)
        deadline, quiet = time.monotonic() + seconds, 0
        while quiet < 5 and time.monotonic() < deadline:
            quiet = 0 if queue.count or registry.count else quiet + 1
            time.sleep(0.05)
        assert quiet >= 5, "after-sale jobs still queued or running"


def _of(sale: Sale) -> ColumnElement[bool]:
    return CodeReport.order_id == sale.order_id


def _prefix(batch_name: str) -> str:
    return batch_name.replace("-", "").upper()
