"""What a cached storefront page is keyed by: the page version (app.core.page_version) and the stock
as it is now, read afresh on every request. A page reads each product's stock state with at most
two bounded index probes (the exact count only when the product shows it): the home page every
active product's, in one statement, so its cost follows the number of products, not the stock.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import lru_cache

from flask import current_app
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app.core.models import Product
from app.core.page_version import CURRENT, page_version
from keystore.stock import stock_state


@dataclass(frozen=True)
class StockRule:
    """How a product's stock shows: the fields of a product that turn a count into what a page says."""

    id: int
    threshold: int
    reusable: bool
    dynamic: bool
    shows_count: bool

    def shown(self, available: int) -> int | str:
        """What the page says of `available` codes: the count itself, or only the state."""
        if self.dynamic:
            return "in_stock"
        return available if self.shows_count else stock_state(available, self.threshold, self.reusable)


@dataclass(frozen=True)
class StockNow:
    """The version and the stock one request saw: `key` for the page cache, `available` to render with."""

    version: int
    available: dict[int, int] | None  # None: count again while rendering
    key: tuple | None  # None: do not cache
    product_id: int = 0  # a product page's


# One round trip per page. A product's state needs at most two bounded index probes (is there a
# code, are there more than the threshold: as keystore.stock.more_available_than reads them);
# the home page counts every product's codes at once. Written once, as text: building the
# statements each request cost more than running them.
_PROBE = "SELECT id FROM codes WHERE product_id = :product AND status = 'available' ORDER BY id DESC LIMIT 1 OFFSET "
PRODUCT_NOW = text(f"SELECT {CURRENT}, ({_PROBE} 0) IS NOT NULL, ({_PROBE} :threshold) IS NOT NULL")
COUNT_NOW = text("SELECT count(*) FROM codes WHERE product_id = :product AND status = 'available'")
TRIES = 5
_rules_lock = threading.Lock()


def product_stock(session: Session, slug: str) -> StockNow | None:
    """None when no active product has this slug. The rules come from the last version this process
    read; when the probe sees another version (the products changed since), they are read again."""
    version = _last_version(session)
    for _ in range(TRIES):
        rule = rules_of(session, version).get(slug)
        probe = {"product": rule.id if rule else 0, "threshold": rule.threshold if rule else 0}
        seen, any_code, above = session.execute(PRODUCT_NOW, probe).one()
        if seen == version:
            if rule is None:
                return None
            available = _available(session, rule, bool(any_code), bool(above))
            return StockNow(version, {rule.id: available}, (version, rule.shown(available)), rule.id)
        version = seen
    # The products kept changing under us: a page of its own, rendered with counts read as it renders.
    return StockNow(version, None, None, rule.id) if rule else None


def _available(session: Session, rule: StockRule, any_code: bool, above: bool) -> int:
    """A count that shows as the product's stock does now: exact only where the count is shown."""
    if rule.dynamic or not any_code:
        return 0
    if rule.shows_count:
        return session.scalar(COUNT_NOW, {"product": rule.id})
    return rule.threshold + 1 if rule.reusable or above else 1


def catalog_stock(session: Session) -> StockNow:
    """Every active product's, as product_stock reads one: the version and two probes a product."""
    version = _last_version(session)
    for _ in range(TRIES):
        rules = list(rules_of(session, version).values())
        probe = {f"p{i}": rule.id for i, rule in enumerate(rules)} | {f"t{i}": r.threshold for i, r in enumerate(rules)}
        seen, *found = session.execute(catalog_now(len(rules)), probe).one()
        if seen == version:
            counts = {
                r.id: _available(session, r, bool(found[2 * i]), bool(found[2 * i + 1])) for i, r in enumerate(rules)
            }
            return StockNow(version, counts, (version, tuple((rule.id, rule.shown(counts[rule.id])) for rule in rules)))
        version = seen
    return StockNow(version, None, None)  # the products kept changing: counted as the page renders


@lru_cache(maxsize=64)
def catalog_now(products: int):
    """The statement for this many products: the version, then each product's two probes."""
    probes = (
        f"({_PROBE.replace(':product', f':p{i}')} 0) IS NOT NULL, ({_PROBE.replace(':product', f':p{i}')} :t{i}) IS NOT NULL"
        for i in range(products)
    )
    return text(", ".join([f"SELECT {CURRENT}", *probes]))


def _last_version(session: Session) -> int:
    """The version this process last read the products at: right but for a change since, which the
    probe's own reading of the version tells."""
    version = max(_rules(), default=None)
    return page_version(session) if version is None else version


def rules_of(session: Session, version: int) -> dict[str, StockRule]:
    """Read once per version and process: the products change only with the version."""
    known = _rules()
    rules = known.get(version)
    if rules is None:
        rules = {p.slug: _rule(p) for p in session.scalars(select(Product).where(Product.active))}
        with _rules_lock:
            known.clear()  # an older version's rules are never asked for again
            known[version] = rules
    return rules


def _rules() -> dict[int, dict[str, StockRule]]:
    """This app's: page version -> the active products' rules, by slug."""
    return current_app.extensions.setdefault("keyshop.stock_rules", {})


def _rule(product: Product) -> StockRule:
    shows_count = product.stock_display == "count" and not product.reusable and not product.dynamic
    return StockRule(product.id, product.low_stock_threshold, product.reusable, product.dynamic, shows_count)
