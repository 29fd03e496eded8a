"""Epay as peer shops met it: multipart notifies, `type` checked, "10.000" yuan, every refusal logged
with its order, staff told yuan, and a return URL that carries no secret."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

import pytest
import requests
from sqlalchemy import select

from app.core.extensions import db
from app.core.models import Order, order_token
from tests.payments.conftest import epay_env
from tests.payments.test_epay import _checkout, _payments
from tests.shop import csrf_from, make_product, order_status


@pytest.fixture
def shop_env(shop_env, fake_epay):
    return {**shop_env, **epay_env(fake_epay)}


def _refusals(caplog) -> list[str]:
    return [record.getMessage() for record in caplog.records if "webhook refused" in record.getMessage()]


def test_a_multipart_notify_is_read_and_pays(app, client, fake_epay):
    order_id, submitted = _checkout(app, client, fake_epay)
    answer = client.post("/webhooks/epay", data=fake_epay.notify(submitted), content_type="multipart/form-data")
    assert (answer.status_code, answer.text) == (200, "success")
    assert order_status(app, order_id) == "paid" and _payments(app) == 1


def test_a_tampered_multipart_notify_is_refused(app, client, fake_epay):
    order_id, submitted = _checkout(app, client, fake_epay)
    tampered = {**fake_epay.notify(submitted), "money": "0.01"}
    answer = client.post("/webhooks/epay", data=tampered, content_type="multipart/form-data")
    assert answer.status_code == 400 and "invalid signature" in answer.text
    assert order_status(app, order_id) == "pending" and _payments(app) == 0


def test_a_notify_paid_by_another_type_is_refused(app, client, fake_epay):
    order_id, submitted = _checkout(app, client, fake_epay)
    answer = client.get("/webhooks/epay", query_string=fake_epay.notify(submitted, type="wxpay"))
    assert answer.status_code == 400 and "'wxpay'" in answer.text and "'alipay'" in answer.text
    assert order_status(app, order_id) == "pending" and _payments(app) == 0


@pytest.mark.parametrize("money", ["68.000", "68.0", "68", "68.00000000"])
def test_more_decimals_of_the_same_amount_pay(app, client, fake_epay, money):
    order_id, submitted = _checkout(app, client, fake_epay)
    answer = client.get("/webhooks/epay", query_string=fake_epay.notify(submitted, money=money))
    assert answer.text == "success" and order_status(app, order_id) == "paid"


@pytest.mark.parametrize("money", ["68.001", "68.0000000001", "6.8e1", "-68.00", "68,00"])
def test_an_amount_with_a_fraction_of_a_fen_or_not_a_number_is_refused(app, client, fake_epay, money):
    order_id, submitted = _checkout(app, client, fake_epay)
    answer = client.get("/webhooks/epay", query_string=fake_epay.notify(submitted, money=money))
    assert answer.status_code == 400 and repr(money) in answer.text
    assert order_status(app, order_id) == "pending" and _payments(app) == 0


def test_every_refused_notify_is_logged_with_its_reason_and_order(app, client, fake_epay, caplog):
    order_id, submitted = _checkout(app, client, fake_epay)
    number = submitted["out_trade_no"]
    caplog.set_level(logging.WARNING, logger="delivery.intake")
    refused = [
        fake_epay.notify(submitted, key="guessed"),
        fake_epay.notify(submitted, pid="2002"),
        fake_epay.notify(submitted, type="qqpay"),
        fake_epay.notify(submitted, money="68.001"),
        fake_epay.notify(submitted, out_trade_no="KS-NOSUCH00"),
    ]
    for notify in refused:
        assert client.get("/webhooks/epay", query_string=notify).status_code in (400, 422)
    logged = _refusals(caplog)
    assert len(logged) == len(refused)
    for line, reason in zip(logged, ("signature", "merchant id", "qqpay", "68.001", "no order")):
        assert reason in line
    assert all(f"'{number}'" in line for line in logged[:4]) and "'KS-NOSUCH00'" in logged[4]
    assert order_status(app, order_id) == "pending"


def test_staff_read_a_short_payment_in_yuan(app, client, fake_epay, caplog):
    order_id, submitted = _checkout(app, client, fake_epay)
    caplog.set_level(logging.WARNING, logger="delivery.intake")
    answer = client.get("/webhooks/epay", query_string=fake_epay.notify(submitted, money="6.80"))
    assert answer.status_code == 422
    with app.app_context():
        reason = db.session.get(Order, order_id).review_reason
        db.session.remove()
    assert reason == "payment of 6.80 CNY does not match the order's 68.00 CNY"
    assert reason in _refusals(caplog)[0] and submitted["out_trade_no"] in _refusals(caplog)[0]


def _buy_in_browser(app, client, fake_epay) -> dict:
    make_product(app, price="68.00", currency="CNY")
    form = {"csrf_token": csrf_from(client, "/p/card"), "product": "card", "email": "li@example.com"}
    answer = client.post("/checkout", data={**form, "method": "epay"})
    assert answer.status_code == 303 and requests.get(answer.location, timeout=5).status_code == 200
    return fake_epay.submitted[-1]


def _token_of(app, number: str) -> str:
    with app.app_context():
        return order_token(number)


def test_the_return_url_carries_no_secret(app, client, fake_epay):
    submitted = _buy_in_browser(app, client, fake_epay)
    number = submitted["out_trade_no"]
    assert submitted["return_url"].endswith(f"/back/epay/{number}")
    assert _token_of(app, number) not in str(submitted)  # everything the gateway was given


def test_the_browser_that_ordered_lands_on_its_order_page(app, client, fake_epay):
    submitted = _buy_in_browser(app, client, fake_epay)
    landed = client.get(urlsplit(submitted["return_url"]).path)
    assert landed.status_code == 303 and landed.location == f"/o/{_token_of(app, submitted['out_trade_no'])}"


def test_another_browser_is_told_where_the_link_is_and_never_sees_the_secret(app, client, fake_epay):
    submitted = _buy_in_browser(app, client, fake_epay)
    number = submitted["out_trade_no"]
    elsewhere = app.test_client().get(urlsplit(submitted["return_url"]).path)
    assert (
        elsewhere.status_code == 200
        and number in elsewhere.text
        and "by email once the payment is confirmed" in elsewhere.text
    )
    assert _token_of(app, number) not in elsewhere.text
    # the same browser, for another order number (one it never placed): not let through either
    assert client.get("/back/epay/KS-AAAAAAAA").status_code == 200


def test_a_forged_remembered_order_is_not_let_through(app, client, fake_epay):
    submitted = _buy_in_browser(app, client, fake_epay)
    number = submitted["out_trade_no"]
    stranger = app.test_client()
    stranger.set_cookie("ks_paying", f'"{number}"', path="/back/")
    assert stranger.get(f"/back/epay/{number}").status_code == 200


def test_the_signed_return_pays_an_order_whose_notify_never_came(app, client, fake_epay):
    submitted = _buy_in_browser(app, client, fake_epay)
    signed = fake_epay.notify(submitted)
    landed = client.get(urlsplit(submitted["return_url"]).path, query_string=signed)
    assert landed.status_code == 303
    with app.app_context():
        order_id = db.session.scalar(select(Order.id).where(Order.number == submitted["out_trade_no"]))
        db.session.remove()
    assert order_status(app, order_id) == "paid" and _payments(app) == 1
    late = client.get("/webhooks/epay", query_string=signed)  # the notify after all: a duplicate
    assert late.text == "success" and _payments(app) == 1


def test_an_unsigned_return_pays_nothing(app, client, fake_epay):
    submitted = _buy_in_browser(app, client, fake_epay)
    forged = {**fake_epay.notify(submitted), "sign": "0" * 32}
    assert client.get(urlsplit(submitted["return_url"]).path, query_string=forged).status_code == 303
    assert _payments(app) == 0
