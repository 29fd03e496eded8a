"""Builds the adapters that are configured; a provider that is not configured is not offered."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable

from flask import current_app

from app.core.settings import Settings
from payments.base import PaymentProvider
from payments.sandbox import SandboxProvider


def _stripe(config: dict[str, str]) -> PaymentProvider:
    from payments.stripe_provider import StripeProvider

    return StripeProvider(config["STRIPE_SECRET_KEY"], config["STRIPE_WEBHOOK_SECRET"], config.get("STRIPE_API_BASE"))


def _epay(config: dict[str, str]) -> PaymentProvider:
    from payments.epay import EpayProvider

    return EpayProvider(config["EPAY_URL"], config["EPAY_PID"], config["EPAY_KEY"], config.get("EPAY_TYPE", "alipay"))


def _btcpay(config: dict[str, str]) -> PaymentProvider:
    from payments.btcpay import BTCPayProvider

    return BTCPayProvider(
        config["BTCPAY_URL"], config["BTCPAY_STORE_ID"], config["BTCPAY_API_KEY"], config["BTCPAY_WEBHOOK_SECRET"]
    )


def _manual(config: dict[str, str]) -> PaymentProvider:
    from payments.manual import ManualProvider

    return ManualProvider(config["MANUAL_PAYMENT_INSTRUCTIONS"])


def _paypal(config: dict[str, str]) -> PaymentProvider:
    from payments.paypal import PayPalProvider

    return PayPalProvider(
        config["PAYPAL_CLIENT_ID"],
        config["PAYPAL_SECRET"],
        config["PAYPAL_WEBHOOK_ID"],
        config.get("PAYPAL_MODE", "test"),
        config.get("PAYPAL_API_BASE"),
    )


# One builder per provider of app.settings.PROVIDER_SETTINGS, given that provider's variables.
BUILDERS: dict[str, Callable[[dict[str, str]], PaymentProvider]] = {
    "stripe": _stripe,
    "paypal": _paypal,
    "epay": _epay,
    "btcpay": _btcpay,
    "manual": _manual,
}


def build_providers(settings: Settings) -> dict[str, PaymentProvider]:
    providers: dict[str, PaymentProvider] = {}
    if settings.sandbox_enabled:
        secret = hmac.new(settings.secret_key.encode(), b"keyshop.sandbox.webhook", hashlib.sha256).hexdigest()
        providers["sandbox"] = SandboxProvider(secret, lambda: settings.base_url)
    for name, config in settings.providers.items():
        providers[name] = BUILDERS[name](config)
    return providers


def providers() -> dict[str, PaymentProvider]:
    return current_app.extensions["keyshop.providers"]


def provider(name: str) -> PaymentProvider | None:
    return providers().get(name)
