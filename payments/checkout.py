"""Checkout: validate the buyer's choice, create the order, and ask the provider where to pay."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.core.abuse import is_blocked
from app.core.db import utcnow, write_transaction
from app.core.errors import BuyerError
from app.core.models import Order, Product, log_order, new_order_number, order_token, token_digest
from app.core.product_fields import MAX_PER_ORDER
from app.core.shop_settings import setting
from payments.base import CheckoutRequest, CheckoutStart, PaymentProvider, ProviderRefused, ProviderUnavailable
from payments.buyer_limits import bought_today
from payments.check_rounds import remember_checkout

MAX_QUANTITY = MAX_PER_ORDER  # the ceiling; each product's own maximum is checked with the product
# How many codes of a product are for sale (keystore.stock.available_count, passed down by the web:
# payments never import the keystore).
StockCount = Callable[[Session, int], int]
EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]+\.[^@\s]+")


class CheckoutError(BuyerError):
    """The buyer's input cannot become an order; the message says which field and why."""

    def __init__(self, field: str, message: str, status: int = 422, **params):
        super().__init__(field, message, **params)
        self.status = status  # 503 when the provider, not the buyer, is the problem


@dataclass(frozen=True)
class CheckoutChoice:
    product_slug: str
    quantity: int
    email: str
    method: str
    locale: str = "en"
    address: str = ""  # the buyer's IP address, for the blocklist


@dataclass(frozen=True)
class PlacedOrder:
    order_id: int
    number: str
    token: str
    status: str
    payment: CheckoutStart
    provider: str


def place_order(
    session: Session,
    choice: CheckoutChoice,
    providers: dict[str, PaymentProvider],
    base_url: str,
    in_stock: StockCount | None = None,
) -> PlacedOrder:
    """`in_stock`: refuse, before the buyer pays, a quantity above the stock there is."""
    provider = _validate(choice, providers)
    with write_transaction(session):
        product = _product_for_sale(session, choice, provider)
        if in_stock is not None:
            _refuse_above_stock(session, product, choice.quantity, in_stock)
        order, token = _new_order(session, product, choice)
        log_order(session, order.id, "shop.order.created", f"{choice.quantity} x {product.slug} via {provider.name}")
        request = checkout_request(order, product.name, token, provider, base_url)
        placed = (order.id, order.number, order.status)
    # The provider is called after commit: a slow provider never holds the write lock.
    start = start_payment(session, provider, request)
    return PlacedOrder(placed[0], placed[1], token, placed[2], start, provider.name)


def checkout_request(order: Order, description: str, token: str, provider: PaymentProvider, base_url: str):
    """What the provider is told of an order to pay: never the order's secret (see CheckoutRequest)."""
    return CheckoutRequest(
        order_number=order.number,
        amount_minor=order.amount_minor,
        currency=order.currency,
        description=description,
        quantity=order.quantity,
        email=order.email,
        return_url=f"{base_url}/back/{provider.name}/{order.number}",
        notify_url=f"{base_url}/webhooks/{provider.name}",
        order_page_url=f"{base_url}/o/{token}",
    )


def start_payment(session: Session, provider: PaymentProvider, request: CheckoutRequest) -> CheckoutStart:
    """Outside any transaction: where the buyer pays, or a 503 that offers another way to pay. A
    checkout the provider can be asked about is remembered, for reconciliation."""
    try:
        start = provider.start_checkout(request)
    except (ProviderUnavailable, ProviderRefused) as exc:
        raise CheckoutError(
            "method",
            "%(provider)s cannot take payments right now (%(why)s); try again or choose another way to pay",
            status=503,
            provider=provider.label,
            why=exc,
        ) from None
    if provider.capabilities.status_checks and start.provider_reference:
        remember_checkout(session, provider.name, request.order_number, start.provider_reference)
    return start


def _product_for_sale(session: Session, choice: CheckoutChoice, provider: PaymentProvider) -> Product:
    """The product chosen, if it is for sale, to this buyer, by this way of paying."""
    product = session.scalar(select(Product).where(Product.slug == choice.product_slug, Product.active))
    if product is None:
        raise CheckoutError("product", "no product %(slug)r for sale", slug=choice.product_slug)
    most = 1 if product.reusable else product.max_per_order  # one shared code: one per order
    if choice.quantity > most:
        raise CheckoutError("quantity", "at most %(most)s of this product per order", most=most)
    _refuse_abuse(session, product, choice)
    if not provider.capabilities.accepts(product.currency):
        raise CheckoutError(
            "method",
            "%(provider)s takes only %(currencies)s",
            provider=provider.label,
            currencies=", ".join(provider.capabilities.currencies),
        )
    return product


def _refuse_abuse(session: Session, product: Product, choice: CheckoutChoice) -> None:
    """The blocklist, and the product's daily limit per buyer (paid orders, 24 hours)."""
    if is_blocked(session, choice.email, choice.address):
        raise CheckoutError(
            "email", "this shop does not take orders from you; contact support if this is a mistake", status=403
        )
    if product.daily_limit_per_buyer:
        # Paid orders only, and no lock: an unpaid order does not count, and the payment that would
        # go over the limit is caught under the limit's lock when it arrives (payments.buyer_limits).
        bought = bought_today(session, product.id, choice.email)
        if bought + choice.quantity > product.daily_limit_per_buyer:
            raise CheckoutError(
                "quantity",
                "at most %(limit)s of this product per buyer a day (%(bought)s ordered)",
                limit=product.daily_limit_per_buyer,
                bought=bought,
            )


def _refuse_above_stock(session: Session, product: Product, quantity: int, in_stock: StockCount) -> None:
    """Some stock, but less than asked: an order is filled whole or waits whole, so the buyer would
    pay for codes that wait. Sold out is different: the product page says the order waits for stock.
    A shared (reusable) code never runs out, nor do a dynamic product's (asked of the seller)."""
    if product.reusable or product.dynamic:
        return
    available = in_stock(session, product.id)
    if 0 < available < quantity:
        raise CheckoutError(
            "quantity",
            "only %(available)s in stock right now: order at most %(available)s, or order the rest once stock arrives",
            available=available,
        )


def _validate(choice: CheckoutChoice, providers: dict[str, PaymentProvider]) -> PaymentProvider:
    if type(choice.quantity) is not int or not 1 <= choice.quantity <= MAX_QUANTITY:  # bool is an int too
        raise CheckoutError("quantity", "must be a whole number from 1 to %(most)s", most=MAX_QUANTITY)
    if not isinstance(choice.email, str) or len(choice.email) > 254 or not EMAIL.fullmatch(choice.email):
        raise CheckoutError("email", "is not an email address")
    provider = providers.get(choice.method)
    if provider is None:
        offered = ", ".join(sorted(providers)) or "none configured"
        raise CheckoutError(
            "method", "%(method)r is not offered (offered: %(offered)s)", method=choice.method, offered=offered
        )
    return provider


def terms_digest(terms: str) -> str | None:
    """What identifies the terms a buyer accepted by ordering (the buy form links them), so evidence
    can cite them even after the owner rewrites them; None when the shop has no terms."""
    return hashlib.sha256(terms.encode("utf-8")).hexdigest() if terms.strip() else None


def _new_order(session: Session, product: Product, choice: CheckoutChoice) -> tuple[Order, str]:
    for _attempt in range(5):
        number = new_order_number()
        token = order_token(number)
        order = Order(
            number=number,
            token_digest=token_digest(token),
            product_id=product.id,
            quantity=choice.quantity,
            email=choice.email.strip(),
            amount_minor=product.price_minor * choice.quantity,
            currency=product.currency,
            method=choice.method,
            locale=choice.locale,
            reveal_on_request=product.reveal_on_request,
            terms_digest=terms_digest(setting(session, "page_terms")),
            terms_accepted_at=utcnow(),
        )
        try:
            with session.begin_nested():
                session.add(order)
            return order, token
        except IntegrityError:  # an order number collided; draw another
            continue
    raise RuntimeError("could not draw a free order number in 5 attempts")
