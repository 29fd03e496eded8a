"""No provider is ever given the order's secret: every one sends the buyer back to
/back/<provider>/<number>, where the browser that ordered goes on to its order page and any other is
told the link comes by mail. Checked in everything each fake provider received, not in one field."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, unquote_plus, urlsplit

import pytest
import requests

from app.core.models import order_token
from payments.registry import providers
from tests.payments.conftest import btcpay_env, epay_env, paypal_env, stripe_env
from tests.shop import csrf_from, make_product

CURRENCY = {"stripe": "USD", "paypal": "EUR", "btcpay": "USD", "epay": "CNY"}


@pytest.fixture
def fakes(fake_stripe, fake_paypal, fake_btcpay, fake_epay) -> dict:
    return {"stripe": fake_stripe, "paypal": fake_paypal, "btcpay": fake_btcpay, "epay": fake_epay}


@pytest.fixture
def shop_env(shop_env, fakes):
    envs = (stripe_env, paypal_env, btcpay_env, epay_env)
    return {**shop_env, **{k: v for env, fake in zip(envs, fakes.values()) for k, v in env(fake).items()}}


def _buy_in_browser(app, client, fakes: dict, method: str) -> tuple[str, str, str]:
    """Checkout as a buyer's browser does, then open the provider's page: the provider's address,
    the order's secret token and its number."""
    make_product(app, price="68.00", currency=CURRENCY[method])
    form = {"csrf_token": csrf_from(client, "/p/card"), "product": "card", "email": "b@example.com", "method": method}
    answer = client.post("/checkout", data=form)
    assert answer.status_code == 303, answer.text
    requests.get(answer.location, timeout=5)  # what the provider sees of the browser, too
    number = re.search(rf"/back/{method}/(KS-[A-Z0-9]+)", _everything_received(fakes[method])).group(1)
    with app.app_context():
        return answer.location, order_token(number), number


def _everything_received(fake) -> str:
    raw = "\n".join(fake.server.received)
    return raw + "\n" + unquote_plus(raw)


@pytest.mark.parametrize("method", sorted(CURRENCY))
def test_no_provider_is_given_the_secret_and_only_the_ordering_browser_gets_through(app, client, fakes, method):
    location, token, number = _buy_in_browser(app, client, fakes, method)
    assert token not in location
    for fake in fakes.values():
        assert token not in _everything_received(fake)

    landed = client.get(f"/back/{method}/{number}")
    assert landed.status_code == 303 and landed.location == f"/o/{token}"
    elsewhere = app.test_client().get(f"/back/{method}/{number}")
    assert elsewhere.status_code == 200 and "by email once the payment is confirmed" in elsewhere.text
    assert token not in elsewhere.text and "/o/" not in elsewhere.text


def test_the_sandbox_too_comes_back_to_the_landing_without_the_secret(app, client):
    make_product(app, price="9.99", currency="USD")
    form = {"csrf_token": csrf_from(client, "/p/card"), "product": "card", "email": "b@example.com"}
    pay_page = client.post("/checkout", data={**form, "method": "sandbox"}).location
    session = parse_qs(urlsplit(pay_page).query)["s"][0]
    with app.app_context():
        told = providers()["sandbox"].load_session(session)  # signed, not sealed: anyone reads it
        number, token = told["order"], order_token(told["order"])
    assert token not in str(told) and told["return"].endswith(f"/back/sandbox/{number}")
    paid = client.post("/sandbox/pay", data={"s": session, "outcome": "paid"})
    assert paid.status_code == 303 and paid.location.endswith(f"/back/sandbox/{number}")
    assert client.get(f"/back/sandbox/{number}").location == f"/o/{token}"
