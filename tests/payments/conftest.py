"""Fakes of the providers' APIs on loopback, and the settings that point keyshop at them."""

from __future__ import annotations

import pytest

from tests.fakes.btcpay_api import FakeBTCPay
from tests.fakes.epay_api import FakeEpay
from tests.fakes.paypal_api import FakePayPal
from tests.fakes.stripe_api import FakeStripe

STRIPE_WEBHOOK_SECRET = "whsec_test_" + "k" * 24
EPAY_PID, EPAY_KEY = "1001", "epay-merchant-key-0123456789"
BTCPAY_STORE, BTCPAY_API_KEY, BTCPAY_SECRET = "store1", "btcpay-api-key", "btcpay-webhook-secret"
PAYPAL_CLIENT, PAYPAL_SECRET, PAYPAL_WEBHOOK = "paypal-client", "paypal-secret", "WH-ID-1"
MANUAL_INSTRUCTIONS = "IBAN DE00 1234 5678 9012, Keyshop GmbH"


def _served(fake):
    yield fake
    fake.stop()


@pytest.fixture
def fake_stripe():
    yield from _served(FakeStripe())


@pytest.fixture
def fake_paypal():
    yield from _served(FakePayPal(PAYPAL_CLIENT, PAYPAL_SECRET, PAYPAL_WEBHOOK))


@pytest.fixture
def fake_epay():
    yield from _served(FakeEpay(EPAY_PID, EPAY_KEY))


@pytest.fixture
def fake_btcpay():
    yield from _served(FakeBTCPay(BTCPAY_STORE, BTCPAY_API_KEY, BTCPAY_SECRET))


def stripe_env(fake) -> dict:
    return {
        "STRIPE_SECRET_KEY": "sk_test_keyshop",
        "STRIPE_WEBHOOK_SECRET": STRIPE_WEBHOOK_SECRET,
        "STRIPE_API_BASE": fake.url,
    }


def paypal_env(fake) -> dict:
    return {
        "PAYPAL_CLIENT_ID": PAYPAL_CLIENT,
        "PAYPAL_SECRET": PAYPAL_SECRET,
        "PAYPAL_WEBHOOK_ID": PAYPAL_WEBHOOK,
        "PAYPAL_API_BASE": fake.url,
    }


def epay_env(fake) -> dict:
    return {"EPAY_URL": fake.url, "EPAY_PID": EPAY_PID, "EPAY_KEY": EPAY_KEY}


def btcpay_env(fake) -> dict:
    return {
        "BTCPAY_URL": fake.url,
        "BTCPAY_STORE_ID": BTCPAY_STORE,
        "BTCPAY_API_KEY": BTCPAY_API_KEY,
        "BTCPAY_WEBHOOK_SECRET": BTCPAY_SECRET,
    }
