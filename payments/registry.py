"""Builds the adapters that are configured; a provider that is not configured is not offered."""
from __future__ import annotations

import hashlib
import hmac

from flask import current_app

from app.settings import Settings
from payments.base import PaymentProvider
from payments.sandbox import SandboxProvider


def build_providers(settings: Settings) -> dict[str, PaymentProvider]:
    providers: dict[str, PaymentProvider] = {}
    if settings.sandbox_enabled:
        secret = hmac.new(settings.secret_key.encode(), b"keyshop.sandbox.webhook", hashlib.sha256).hexdigest()
        providers["sandbox"] = SandboxProvider(secret, settings.base_url)
    if "stripe" in settings.providers:
        from payments.stripe_provider import StripeProvider

        stripe = settings.providers["stripe"]
        providers["stripe"] = StripeProvider(stripe["STRIPE_SECRET_KEY"], stripe["STRIPE_WEBHOOK_SECRET"],
                                             stripe.get("STRIPE_API_BASE"))
    return providers


def providers() -> dict[str, PaymentProvider]:
    return current_app.extensions["keyshop.providers"]


def provider(name: str) -> PaymentProvider | None:
    return providers().get(name)
