"""Money is integer minor units plus an ISO 4217 currency; these turn it into text and back."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

ZERO_DECIMAL = {
    "BIF",
    "CLP",
    "DJF",
    "GNF",
    "JPY",
    "KMF",
    "KRW",
    "MGA",
    "PYG",
    "RWF",
    "UGX",
    "VND",
    "VUV",
    "XAF",
    "XOF",
    "XPF",
}
THREE_DECIMAL = {"BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"}  # 1 KWD = 1,000 fils
SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "CNY": "¥", "JPY": "¥"}


def exponent(currency: str) -> int:
    """The currency's minor-unit digits (ISO 4217): 0 for JPY, 3 for KWD, else 2."""
    currency = currency.upper()
    return 0 if currency in ZERO_DECIMAL else 3 if currency in THREE_DECIMAL else 2


def to_minor(major: str, currency: str) -> int:
    """'9.99' USD -> 999. Refuses more decimals than the currency has, and negatives."""
    currency = currency.upper()
    if len(currency) != 3 or not currency.isalpha():
        raise ValueError(f"currency: expected a three-letter ISO code, got {currency!r}")
    try:
        amount = Decimal(str(major).strip())
    except InvalidOperation:
        raise ValueError(f"price: {major!r} is not a number") from None
    scaled = amount.scaleb(exponent(currency))
    if amount < 0 or scaled != scaled.to_integral_value():
        raise ValueError(f"price: {major!r} is not a valid non-negative amount in {currency}")
    return int(scaled)


def to_major(minor: int, currency: str) -> str:
    """999 USD -> '9.99', 500 JPY -> '500': the decimal string providers' APIs take."""
    digits = exponent(currency)
    return f"{Decimal(minor).scaleb(-digits):.{digits}f}"


def amount_text(minor: int, currency: str) -> str:
    """For staff's logs and flags: 6800 CNY -> "68.00 CNY" (a fen count read as yuan misleads by 100x)."""
    return f"{to_major(minor, currency)} {currency}"


def format_money(minor: int, currency: str, locale: str | None = None) -> str:
    """For people: "$9.99"; in a language's own way when one is given ("9,99 $" in German)."""
    digits = exponent(currency)
    major = Decimal(minor).scaleb(-digits)
    if locale:
        from babel.numbers import format_currency

        return format_currency(major, currency.upper(), locale=locale)
    text = f"{major:,.{digits}f}"
    symbol = SYMBOLS.get(currency.upper())
    return f"{symbol}{text}" if symbol else f"{text} {currency.upper()}"
