"""The product form read field by field: every refusal named by its field, all of them at once."""

from __future__ import annotations

import pytest

from app.core.currencies import is_tender
from app.core.product_fields import ProductFormError, parse_product_form
from app.core.products import ProductError, create_product

FORM = {"name": "Card", "slug": "card", "price": "9.99", "currency": "EUR"}


def refusals(**changes) -> dict:
    with pytest.raises(ProductFormError) as refused:
        parse_product_form({**FORM, **changes})
    return {field: str(message) for field, message in refused.value.errors.items()}


@pytest.mark.parametrize("code", ["USD", "eur", "CNY", "JPY", "XOF", "BRL"])
def test_currencies_in_use_are_taken(code):
    assert is_tender(code) and parse_product_form({**FORM, "price": "10", "currency": code}).currency == code.upper()


@pytest.mark.parametrize("code", ["XYZ", "XXX", "DEM", "US", "USDT", "", "€", 1])
def test_codes_that_are_no_currency_in_use_are_refused(code):
    assert not is_tender(code)
    if isinstance(code, str):
        assert "ISO 4217" in refusals(currency=code)["currency"]


def test_the_cli_refuses_them_too(app):
    from app.core.extensions import db

    with app.app_context(), pytest.raises(ProductError, match="currency: 'XYZ' is not an ISO 4217"):
        create_product(db.session, slug="card", name="Card", price="1", currency="XYZ")


@pytest.mark.parametrize("price", ["NaN", "Infinity", "1e400", "-1", "9.999", "ten", "1" * 30, "99999999999"])
def test_prices_that_are_not_amounts_are_refused(price):
    assert "price" in refusals(price=price)


def test_a_price_in_minor_units_and_with_a_decimal_comma():
    assert parse_product_form({**FORM, "price": "9,99"}).price_minor == 999
    assert parse_product_form({**FORM, "price": "500", "currency": "JPY"}).price_minor == 500
    assert "price" in refusals(price="5.5", currency="JPY")


@pytest.mark.parametrize("raw", ["0", "101", "-1", "²", "٣", "1_0", "1.0", "9" * 40])
def test_the_per_order_maximum_is_an_ascii_whole_number_in_range(raw):
    assert refusals(max_per_order=raw)["max_per_order"] == "a whole number from 1 to 100"


def test_every_problem_is_named_at_once():
    found = refusals(name="", slug="Bad Slug", currency="XYZ", stock_display="both", category="a\nb")
    assert set(found) == {"name", "slug", "currency", "stock_display", "category"}


def test_a_csv_product_needs_its_columns_and_a_reusable_one_sells_one_per_order():
    assert "csv_columns" in refusals(code_format="csv", csv_columns=" , ")
    fields = parse_product_form({**FORM, "reusable": "1", "max_per_order": "7"})
    assert fields.max_per_order == 7 and fields.values()["max_per_order"] == 1


def test_values_of_the_wrong_type_are_refused_not_crashed_on():
    assert "name" in refusals(name=["a list"])
    assert "max_per_order" not in refusals(name=None, max_per_order={"x": 1})  # not text: the default
