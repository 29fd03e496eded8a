"""A product as the admin's form sends it: every field read from text, checked, and each refusal
named by its field, so the form can show it beside the field and nothing is half-written."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from flask_babel import lazy_gettext

from app.core.currencies import is_tender
from app.core.money import to_minor
from app.core.products import NORMALISE_MODES, SLUG

MAX_PER_ORDER = 100  # the most one order may hold of any product
ONE_LINE = re.compile(r"[\r\n\t]")
PRICE = re.compile(r"[0-9]{1,10}(\.[0-9]{1,4})?")
WHOLE = re.compile(r"[0-9]{1,9}")  # ASCII digits only: "²" and "٣" are digits to str.isdigit()


class ProductFormError(ValueError):
    """Every field refused, each with its message (a lazy gettext string)."""

    def __init__(self, errors: dict[str, object]):
        self.errors = errors
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))


@dataclass(frozen=True)
class ProductFields:
    name: str
    slug: str
    description: str
    category: str
    price_minor: int
    currency: str
    max_per_order: int
    stock_display: str
    low_stock_threshold: int
    report_policy: str
    replacement_limit: int
    instructions: str
    reusable: bool
    code_format: str
    csv_columns: str
    normalise: str
    reveal_on_request: bool = False  # codes held back on the order page until the buyer presses "show"

    def values(self) -> dict:
        """The columns to write; a reusable product sells its one code once per order."""
        values = dict(self.__dict__)
        if self.reusable:
            values["max_per_order"] = 1
        return values


def parse_product_form(form: Mapping[str, str]) -> ProductFields:
    reader = _Reader(form)
    fields = ProductFields(
        name=reader.line("name", 200, required=True),
        slug=reader.slug(),
        description=reader.text("description", 20_000),
        category=reader.line("category", 64),
        price_minor=0,
        currency=reader.currency(),
        max_per_order=reader.whole("max_per_order", 1, MAX_PER_ORDER, default=10),
        stock_display=reader.choice("stock_display", ("state", "count")),
        low_stock_threshold=reader.whole("low_stock_threshold", 0, 1_000_000, default=5),
        report_policy=reader.choice("report_policy", ("replace", "hold")),
        replacement_limit=reader.whole("replacement_limit", 0, 1000, default=3),
        instructions=reader.text("instructions", 5000),
        reusable=reader.ticked("reusable"),
        code_format=reader.choice("code_format", ("text", "csv")),
        csv_columns=reader.csv_columns(),
        normalise=reader.choice("normalise", NORMALISE_MODES),
        reveal_on_request=reader.ticked("reveal_on_request"),
    )
    fields = ProductFields(**{**fields.__dict__, "price_minor": reader.price(fields.currency)})
    if fields.reusable and fields.reveal_on_request:
        reader.refuse(
            "reveal_on_request", lazy_gettext("a reusable product's one code is every buyer's: it is not held back")
        )
    if reader.errors:
        raise ProductFormError(reader.errors)
    return fields


class _Reader:
    """Reads one field at a time; a refusal is noted under the field's name and reading goes on, so
    the form shows every problem at once."""

    def __init__(self, form: Mapping[str, str]):
        self.form = form
        self.errors: dict[str, object] = {}

    def raw(self, name: str) -> str:
        value = self.form.get(name, "")
        return value if isinstance(value, str) else ""

    def refuse(self, name: str, message: object) -> None:
        self.errors.setdefault(name, message)

    def ticked(self, name: str) -> bool:
        return self.raw(name) in ("1", "on", "true")

    def text(self, name: str, most: int) -> str:
        value = self.raw(name).replace("\r\n", "\n").strip()
        if len(value) > most:
            self.refuse(name, lazy_gettext("at most %(most)s characters", most=most))
        return value

    def line(self, name: str, most: int, required: bool = False) -> str:
        value = self.text(name, most)
        if ONE_LINE.search(value):
            self.refuse(name, lazy_gettext("must be one line"))
        if required and not value:
            self.refuse(name, lazy_gettext("must not be empty"))
        return value

    def slug(self) -> str:
        value = self.raw("slug").strip()
        if not SLUG.fullmatch(value):
            self.refuse("slug", lazy_gettext("lowercase letters, digits and dashes, at most 64, e.g. steam-20-usd"))
        return value

    def whole(self, name: str, low: int, high: int, default: int) -> int:
        raw = self.raw(name).strip()
        if not raw:
            return default
        if not WHOLE.fullmatch(raw) or not low <= int(raw) <= high:
            self.refuse(name, lazy_gettext("a whole number from %(low)s to %(high)s", low=low, high=high))
            return default
        return int(raw)

    def choice(self, name: str, allowed: tuple[str, ...]) -> str:
        value = self.raw(name) or allowed[0]
        if value not in allowed:
            self.refuse(name, lazy_gettext("must be one of %(allowed)s", allowed=", ".join(allowed)))
            return allowed[0]
        return value

    def currency(self) -> str:
        value = self.raw("currency").strip().upper()
        if not is_tender(value):
            self.refuse("currency", lazy_gettext("not an ISO 4217 currency code in use, e.g. USD, EUR, CNY"))
        return value

    def price(self, currency: str) -> int:
        raw = self.raw("price").strip().replace(",", ".")  # "9,99" as German owners write it
        if "currency" in self.errors:
            return 0
        minor = -1
        if PRICE.fullmatch(raw):  # before Decimal, which takes "NaN", "Infinity" and "1e400"
            try:
                minor = to_minor(raw, currency)
            except ValueError:
                pass
        if not 0 <= minor <= 2**31 - 1:
            self.refuse(
                "price",
                lazy_gettext("an amount such as 9.99, with no more decimals than %(currency)s has", currency=currency),
            )
            return 0
        return minor

    def csv_columns(self) -> str:
        columns = [c.strip() for c in self.line("csv_columns", 500).split(",") if c.strip()]
        if self.form.get("code_format") == "csv" and not columns:
            self.refuse("csv_columns", lazy_gettext("a CSV product needs its column names, e.g. account,password"))
        return ",".join(columns)
