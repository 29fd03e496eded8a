"""Money: integer minor units and an ISO currency; major units only at the edges."""

from __future__ import annotations

import pytest

from app.core.money import format_money, to_major, to_minor


@pytest.mark.parametrize(
    "major, currency, minor",
    [
        ("9.99", "USD", 999),
        ("20", "eur", 2000),
        ("0.1", "USD", 10),
        ("500", "JPY", 500),
        ("1234.50", "CNY", 123450),
        ("1.250", "KWD", 1250),
        ("0.5", "BHD", 500),
    ],
)
def test_major_units_become_minor_units(major, currency, minor):
    assert to_minor(major, currency) == minor


@pytest.mark.parametrize(
    "major, currency",
    [
        ("9.999", "USD"),
        ("1.5", "JPY"),
        ("1.2345", "KWD"),
        ("-1", "USD"),
        ("ten", "USD"),
        ("1", "US"),
        ("1", "U$D"),
    ],
)
def test_bad_amounts_and_currencies_are_refused(major, currency):
    with pytest.raises(ValueError):
        to_minor(major, currency)


def test_formatting():
    assert format_money(999, "USD") == "$9.99"
    assert format_money(123456, "EUR") == "€1,234.56"
    assert format_money(500, "JPY") == "¥500"
    assert format_money(1050, "CHF") == "10.50 CHF"
    assert format_money(1250, "KWD") == "1.250 KWD"
    assert format_money(1250, "KWD", "de") == "1,250\xa0KWD"


def test_three_decimal_currencies_reach_providers_with_three_decimals():
    assert to_major(1250, "KWD") == "1.250" and to_major(999, "USD") == "9.99" and to_major(500, "JPY") == "500"
