"""Paid orders flowing while the story goes on: buyers place and pay orders through the real paid
path at a steady rate (or as fast as they can below it), until the traffic stops."""

from __future__ import annotations

import threading
import time

from tests.feedback.shop_day.day import Day
from tests.shop import place


class Traffic:
    def __init__(self, day: Day, slug: str, rate: float = 20, buyers: int = 2):
        """`rate`: paid orders a second, all buyers together."""
        self.day, self.slug, self.interval = day, slug, buyers / rate
        self.stopping = threading.Event()
        self.paid: list[tuple[object, str, float]] = []  # (the order, its buyer, when its webhook was answered)
        self.errors: list[BaseException] = []
        self.threads = [threading.Thread(target=self._buy, args=(n,), daemon=True) for n in range(buyers)]

    def __enter__(self) -> Traffic:
        for thread in self.threads:
            thread.start()
        deadline = time.monotonic() + 30
        while not self.paid and not self.errors and time.monotonic() < deadline:
            time.sleep(0.01)  # under way before anything else happens
        return self

    def __exit__(self, *exc) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=60)
        assert not self.errors, self.errors

    def paid_since(self, moment: float) -> int:
        return sum(1 for _, _, at in self.paid if at > moment)

    def record(self) -> None:
        """Each paid order waited for until delivered, into the day's ledger."""
        for placed, email, _ in self.paid:
            self.day.delivered(placed, self.slug, email)

    def _buy(self, buyer: int) -> None:
        n, start = 0, time.monotonic()
        try:
            while not self.stopping.wait(max(0.0, start + n * self.interval - time.monotonic())):
                email = f"t{buyer}-{n}@example.com"
                placed = place(self.day.app, self.slug, email=email)
                self.day.buyers.pay(placed, self.day.products[self.slug].price_minor)
                self.paid.append((placed, email, time.monotonic()))
                n += 1
        except BaseException as exc:  # seen by the test when the traffic stops
            self.errors.append(exc)
